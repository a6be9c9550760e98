"""Where v1 answers besides /v1: the per-path decisions of ``V1PathAliases`` and their memory."""

from __future__ import annotations

from fastapi import FastAPI

from calapi.core import v1_paths
from calapi.core.v1_paths import V1PathAliases


def test_root_paths_are_decided_once_and_remembered_within_bounds(app: FastAPI) -> None:
    aliases = V1PathAliases(app, routes=app.router.routes)
    for _ in range(2):  # the second time from memory, with the same answers
        assert aliases.resolve("/me") == "/v1/me"
        assert aliases.resolve("/hooks/7") == "/v1/webhooks/7"
        assert aliases.resolve("/health") is None
        assert aliases.resolve("/no-such-thing") is None
    assert aliases.resolve("/v1/hooks") == "/v1/webhooks"
    assert aliases.resolve("/v1/hooksmith") is None
    assert aliases.resolve("/v2/me") is None

    for n in range(v1_paths._MAX_REMEMBERED + 10):
        assert aliases.resolve(f"/bookings/{n}") == f"/v1/bookings/{n}"
    assert len(aliases._decided) <= v1_paths._MAX_REMEMBERED
    long_path = "/bookings/" + "9" * v1_paths._MAX_REMEMBERED_LENGTH
    assert aliases.resolve(long_path) == "/v1" + long_path
    assert long_path not in aliases._decided
