"""``take``/``skip`` of Cal.com's plain lists (webhooks, memberships, team schedules): no pagination object."""

from __future__ import annotations

import re

from calapi.core.errors import BadRequest

LIST_TAKE_DEFAULT = 250
LIST_TAKE_MAX = 250


def page_param(name: str, raw: str | None, *, default: int, minimum: int, maximum: int | None) -> int:
    """A query value as Cal.com reads it: empty means the default, otherwise an integer in range."""
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip()
    if not re.fullmatch(r"-?\d{1,9}", text):
        raise BadRequest(f"{name} must be an integer, got {raw[:20]!r}")
    value = int(text)
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise BadRequest(f"{name} must be {bound}, got {value}")
    return value


def take_skip(take: str | None, skip: str | None) -> tuple[int, int]:
    return (
        page_param("take", take, default=LIST_TAKE_DEFAULT, minimum=1, maximum=LIST_TAKE_MAX),
        page_param("skip", skip, default=0, minimum=0, maximum=None),
    )
