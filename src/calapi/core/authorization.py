"""Who may act on whose rows: the caller-level rules every API version's routers and services use.

A row belongs to one user (its owner: a schedule's user, a booking's organizer, a key's holder).
The caller may act on it when it is theirs or when they are a system admin (``users.role = ADMIN``).
Everyone else gets the refusal the route names; where that refusal is a 404, another user's id
answers exactly as an id that does not exist, so ids cannot be probed.

System admins also act *for* other users: v1 takes the user from ``userId`` (a list filter or a new
row's owner) and from the row addressed by ``/{id}``. Those three forms are ``user_filter``,
``acting_user`` and ``acting_owner``.

Team roles (a team's ADMIN or OWNER) are team data and live with the teams: ``calapi.teams.roles``
(what each role may do) and ``calapi.teams.access`` (the caller's role in a team).
"""

from __future__ import annotations

from collections.abc import Sequence

from calapi.core.auth import Principal
from calapi.core.errors import AppError


def may_act_for(principal: Principal, owner_id: int | None) -> bool:
    """Whether the caller may act on a row owned by ``owner_id`` (None: a row with no owner)."""
    return principal.is_admin or (owner_id is not None and owner_id == principal.user_id)


def ensure_owner(principal: Principal, owner_id: int | None, *, refusal: AppError) -> None:
    """Raise ``refusal`` unless the caller may act on a row owned by ``owner_id``."""
    if not may_act_for(principal, owner_id):
        raise refusal


def require_admin(principal: Principal, refusal: AppError) -> None:
    """Raise ``refusal`` unless the caller is a system admin."""
    if not principal.is_admin:
        raise refusal


def user_filter(principal: Principal, user_ids: Sequence[int], *, refusal: AppError | None = None) -> list[int] | None:
    """A list's ``userId`` filter: admins get those users (None = everyone), others only themselves.

    A non-admin who names users gets ``refusal`` (its status and text differ per route); with no
    refusal, the names are ignored and the list is the caller's own.
    """
    if principal.is_admin:
        return list(dict.fromkeys(user_ids)) or None
    if user_ids and refusal is not None:
        raise refusal
    return [principal.user_id]


def acting_user(principal: Principal, user_id: int | None, *, refusal: AppError) -> int:
    """The owner of a new row: the caller, or (system admins only) the body's ``userId``."""
    if user_id is None or user_id == principal.user_id:
        return principal.user_id
    require_admin(principal, refusal)
    return user_id


def acting_owner(principal: Principal, owner_id: int | None, *, refusal: AppError, missing: AppError) -> int:
    """Whose row a ``/{id}`` route acts on: system admins act for any owner (consistently, on every
    route); anyone else gets ``refusal`` for a row that is not theirs or does not exist, so the
    answer never tells whether another user's id exists."""
    if principal.is_admin:
        if owner_id is None:
            raise missing
        return owner_id
    ensure_owner(principal, owner_id, refusal=refusal)
    return principal.user_id
