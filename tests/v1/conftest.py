"""Helpers for API v1 tests: ``?apiKey=`` calls and the shapes every v1 answer shares."""

from __future__ import annotations

from typing import Any

import httpx


class V1:
    """``await api.get(user, "/schedules")`` → a ``/v1`` request authenticated with the user's key."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def call(self, method: str, user: Any, path: str, *, params: Any = None, **kwargs: Any) -> httpx.Response:
        query: list[tuple[str, Any]] = [("apiKey", user.key)]
        if isinstance(params, dict):
            for name, value in params.items():
                for item in value if isinstance(value, list) else [value]:
                    query.append((name, item))
        elif params:
            query.extend(params)
        return await self.client.request(method, f"/v1{path}", params=query, **kwargs)

    async def get(self, user: Any, path: str, **kwargs: Any) -> httpx.Response:
        return await self.call("GET", user, path, **kwargs)

    async def post(self, user: Any, path: str, **kwargs: Any) -> httpx.Response:
        return await self.call("POST", user, path, **kwargs)

    async def patch(self, user: Any, path: str, **kwargs: Any) -> httpx.Response:
        return await self.call("PATCH", user, path, **kwargs)

    async def delete(self, user: Any, path: str, **kwargs: Any) -> httpx.Response:
        return await self.call("DELETE", user, path, **kwargs)


def v1_error(response: httpx.Response, status: int, message: str | None = None) -> dict[str, Any]:
    """Assert a v1 handler error: the status and ``{"message": …, "data": null}``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"message", "data"}, body
    assert body["data"] is None
    if message is not None:
        assert body["message"] == message, body
    return body


import pytest  # noqa: E402


@pytest.fixture
def api(client: httpx.AsyncClient) -> V1:
    return V1(client)
