"""Helpers the page tests share: a signed-in HTTP client, forms' CSRF tokens, passwords set."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from fastapi import FastAPI

from calapi.accounts import service as accounts_service

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, f"no CSRF token on {page.request.url}"
    return found.group(1)


async def set_password(app: FastAPI, user_id: int, password: str = PASSWORD) -> None:
    async with app.state.sessionmaker() as session:
        await accounts_service.set_password(session, user_id, password)
        await session.commit()


async def sign_in_link(app: FastAPI, user_id: int) -> str:
    async with app.state.sessionmaker() as session:
        token = await accounts_service.create_link(session, user_id, timedelta(hours=1))
        await session.commit()
    return f"/sign-in/link/{token}"


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """Sign the client in through the sign-in form; the answer is the form's redirect."""
    page = await client.get("/sign-in")
    answer = await client.post(
        "/sign-in",
        data={"csrf_token": csrf_of(page), "email": email, "password": password, "next": "/settings/security"},
    )
    assert answer.status_code == 303, answer.text
    return answer
