"""``/``: what this server is, for a visitor who opens it in a browser."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from calapi.web.auth import OptionalUser
from calapi.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request, who: OptionalUser) -> Response:
    return render(request, "home.html")
