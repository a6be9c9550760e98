"""Where API v1 answers besides ``/v1/...``: at the server's root, and ``/hooks`` as ``/webhooks``.

Clients of Cal.com's v1 are configured with a base URL and append v1 paths to it. Some (n8n's
Cal.com credential, for one) tell their users to enter the server's root, and call
``/event-types``, ``/webhooks`` or ``/me`` there; older ones call ``/hooks`` for the webhooks.
Rather than registering each v1 route a second time, this layer rewrites the request path before
anything else reads it, so authentication (``?apiKey=``), error envelopes, rate limits and the
OpenAPI documents all see a plain ``/v1`` request and nothing is declared twice.

The rule, decided by the application's own route table:
- ``/v1/hooks`` and ``/v1/hooks/{id}`` are ``/v1/webhooks`` and ``/v1/webhooks/{id}``;
- a path outside ``/v1`` and ``/v2`` that no other route claims (for any method) is served by the
  v1 route at ``/v1`` + that path, if there is one; anything else is left alone (so it answers
  whatever it answered before, a v2-style 404 included).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from calapi.core.envelopes import is_v1

_HOOKS = re.compile(r"^/v1/hooks(?=/|$)")


def _webhooks_alias(path: str) -> str:
    if not path.startswith("/v1/hooks"):
        return path
    return _HOOKS.sub("/v1/webhooks", path, count=1)


# Root-path decisions kept per path (each one tries every route's pattern); bounded in number and
# length, since ids make paths as many and as long as callers like.
_MAX_REMEMBERED = 4096
_MAX_REMEMBERED_LENGTH = 256


def _flattened(routes: Sequence[Any]) -> list[Any]:
    """Every route with a path, included routers opened (FastAPI keeps them behind ``original_router``)."""
    found: list[Any] = []
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            found += _flattened(original.routes)
        elif getattr(route, "path_regex", None) is not None:
            found.append(route)
    return found


class V1PathAliases:
    """ASGI middleware, outermost: rewrites ``scope["path"]`` by the rule above."""

    def __init__(self, app: ASGIApp, routes: Sequence[Any]) -> None:
        self.app = app
        self._routes = routes  # the app's live route list, read once at the first request
        self._v1: list[re.Pattern[str]] | None = None
        self._others: list[re.Pattern[str]] = []
        self._decided: dict[str, str | None] = {}

    def _tables(self) -> list[re.Pattern[str]]:
        if self._v1 is None:
            v1: list[re.Pattern[str]] = []
            others: list[re.Pattern[str]] = []
            for route in _flattened(self._routes):
                (v1 if is_v1(route.path) else others).append(route.path_regex)
            self._others = others
            self._v1 = v1
        return self._v1

    def resolve(self, path: str) -> str | None:
        """The path to serve instead, or None to leave the request as it is."""
        if path.startswith("/v2/") or path == "/v2":
            return None
        if is_v1(path):
            aliased = _webhooks_alias(path)
            return aliased if aliased != path else None
        try:
            return self._decided[path]
        except KeyError:
            pass
        decided = self._root_path(path)
        if len(path) <= _MAX_REMEMBERED_LENGTH:
            if len(self._decided) >= _MAX_REMEMBERED:
                self._decided.clear()
            self._decided[path] = decided
        return decided

    def _root_path(self, path: str) -> str | None:
        v1_routes = self._tables()
        if any(pattern.match(path) for pattern in self._others):
            return None
        candidate = _webhooks_alias("/v1" + path)
        if any(pattern.match(candidate) for pattern in v1_routes):
            return candidate
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            rewritten = self.resolve(scope["path"])
            if rewritten is not None:
                scope = {**scope, "path": rewritten, "raw_path": rewritten.encode()}
        await self.app(scope, receive, send)
