"""The booking use cases, one module each: typed input (``bookings/commands.py``) in, domain results
(``bookings/results.py``) out, in the request's transaction.

``create`` (with ``checks``, ``locations`` and ``recurrence`` for its input), ``cancel``,
``reschedule``, ``confirm`` (and decline), ``absence``, ``edit`` (location, title and description),
``reassign`` and ``queries``; ``steps`` holds what the changes share, ``details`` loads what a
result carries, ``hosts`` the slot engine's hosts for a booking check and ``refusals`` its refusals
in Cal.com's words, ``team`` chooses a team booking's hosts, ``locks`` serialises bookers per host.
"""
