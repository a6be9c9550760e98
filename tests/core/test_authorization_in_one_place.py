"""Who may act on what is decided in one module per kind of rule, and attendees load in one place.

Caller-level rules (an admin or the row's owner, an admin acting for a user) live in
``calapi/core/authorization.py``; team roles in ``calapi/teams/roles.py`` and ``calapi/teams/access.py``;
the attendees of a set of bookings load through ``calapi/bookings/attendees.py``. These tests read
the source so that a router writing the rule again is caught before it drifts from the others.
"""

from __future__ import annotations

import re
from pathlib import Path

import calapi

SOURCE = Path(calapi.__file__).parent


def _places(pattern: str) -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        if re.search(pattern, path.read_text(encoding="utf-8")):
            found.add(path.relative_to(SOURCE).as_posix())
    return found


def test_team_manager_roles_are_named_only_by_the_team_rules():
    # ("ADMIN", "OWNER") written as a literal pair is a team-role check made outside teams/roles.py.
    assert _places(r"""["']ADMIN["'],\s*["']OWNER["']\)|["']OWNER["'],\s*["']ADMIN["']\)""") == set()


def test_admin_or_owner_is_decided_by_the_authorization_module():
    # ``x.user_id != principal.user_id and not principal.is_admin`` and its mirror images.
    either = r"(is_admin\s+or\s+\w+(\.\w+)*\s*[!=]=\s*\w+\.user_id|user_id\s*[!=]=\s*\w+(\.\w+)*\s+and\s+not\s+\w+\.is_admin)"
    assert _places(either) == set()


def test_membership_role_is_read_by_the_team_rules_only():
    assert _places(r"membership\.role\s+(not\s+)?in\b") == set()
    assert _places(r"Membership\.role\.in_\(") == {"teams/roles.py"}


def test_attendees_of_bookings_load_in_one_place():
    assert _places(r"select\(Attendee\)\.where\(Attendee\.booking_id") == {"bookings/attendees.py"}
