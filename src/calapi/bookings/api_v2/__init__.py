"""API v2 routers for bookings."""
