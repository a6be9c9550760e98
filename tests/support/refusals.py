"""Assertions on v2's 400 envelope, shared by the input-limit tests."""

from __future__ import annotations

import httpx


def v2_refusal(response: httpx.Response, *needles: str) -> str:
    """The response is v2's 400 ``BadRequestException`` and its message holds every needle."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == "error" and body["error"]["code"] == "BadRequestException", body
    message: str = body["error"]["message"]
    for needle in needles:
        assert needle in message, message
    return message
