"""Booking insights: counts, trends, rankings and exports over the bookings a caller may see.

Every number is computed in SQL over the same rows ``GET /v2/bookings`` lists (``queries.py``);
local days, weeks and hours come from offsets computed with zoneinfo (``localtime.py``), so
SQLite, which has no time-zone functions, and PostgreSQL bucket alike, DST days included.
"""
