"""ICS feeds over HTTP, through the SSRF guard the webhooks use (``core/ssrf.py``).

Each request connects to the address the guard checked (httpcore, as webhook attempts do), so DNS
cannot send it elsewhere between check and use; a redirect is checked again before it is followed.
The whole fetch, redirects included, is bounded by ``timeout``; a body over ``MAX_FEED_BYTES``
is refused rather than read to its end.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from calapi import __version__
from calapi.calendars.caldav_client import CalendarUnreachable
from calapi.core import ssrf

MAX_FEED_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = f"calapi/{__version__}"


def normal_url(url: str) -> str:
    """``webcal://`` is how calendar apps link a feed; it is fetched over https."""
    return "https://" + url[len("webcal://") :] if url.lower().startswith("webcal://") else url


async def fetch(url: str, *, timeout: float, allow_private: bool) -> bytes:
    """The feed's body; ``CalendarUnreachable`` with the reason otherwise."""
    try:
        async with asyncio.timeout(timeout):
            return await _follow(normal_url(url), allow_private=allow_private, timeout=timeout)
    except TimeoutError:
        raise CalendarUnreachable("the feed did not answer in time") from None
    except ssrf.UrlNotAllowed as exc:
        raise CalendarUnreachable(f"the feed's address is not allowed: {exc}") from None
    except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError, OSError) as exc:
        raise CalendarUnreachable(f"the feed could not be fetched ({exc.__class__.__name__})") from None


async def _follow(url: str, *, allow_private: bool, timeout: float) -> bytes:
    for _ in range(MAX_REDIRECTS + 1):
        status, location, body = await _get(url, allow_private=allow_private, timeout=timeout)
        if status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            continue
        if status != 200:
            raise CalendarUnreachable(f"the feed answered {status}")
        return body
    raise CalendarUnreachable("the feed redirected too many times")


async def _get(url: str, *, allow_private: bool, timeout: float) -> tuple[int, str | None, bytes]:
    target = await ssrf.resolve(url, allow_private=allow_private)
    parts = urlsplit(url)
    path = parts.path or "/"
    request_target = f"{path}?{parts.query}" if parts.query else path
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host and not target.host.startswith("["):
        host_header = f"[{target.host}]" if target.port == default_port else f"[{target.host}]:{target.port}"
    ssl_context = httpx.create_ssl_context() if target.scheme == "https" else None
    origin = httpcore.Origin(target.scheme.encode(), str(target.address).encode(), target.port)
    request = httpcore.Request(
        b"GET",
        httpcore.URL(
            scheme=target.scheme.encode(),
            host=str(target.address).encode(),
            port=target.port,
            target=request_target.encode(),
        ),
        headers=[
            (b"Host", host_header.encode()),
            (b"User-Agent", USER_AGENT.encode()),
            (b"Accept", b"text/calendar, */*;q=0.5"),
        ],
        extensions={
            "timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout},
            **({"sni_hostname": target.host} if target.scheme == "https" else {}),
        },
    )
    async with httpcore.AsyncHTTPConnection(origin, ssl_context=ssl_context) as connection:
        response = await connection.handle_async_request(request)
        try:
            body = bytearray()
            async for chunk in response.aiter_stream():
                body += chunk
                if len(body) > MAX_FEED_BYTES:
                    raise CalendarUnreachable(f"the feed is larger than {MAX_FEED_BYTES // (1024 * 1024)} MiB")
        finally:
            await response.aclose()
    location = next((v.decode("latin-1") for k, v in response.headers if k.lower() == b"location"), None)
    return response.status, location, bytes(body)
