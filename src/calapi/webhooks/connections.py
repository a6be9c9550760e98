"""The HTTP connections webhook attempts go out on: httpcore connections, pooled per address here.

Why not ``httpx.AsyncClient``: its pool (httpcore's ``AsyncConnectionPool``) walks every
connection on every request and on every response close, checking each idle socket for
readability. Profiling a ``calapi worker`` (bench/bench_webhooks.py) put that walk at a third of
the worker's CPU per delivery with 16–32 connections open. Here the idle connections of one
address sit on a stack: a request takes the top one and checks only that one. Requests still go
through httpcore's HTTP/1.1 connection (h11 framing, TLS, timeouts) — what httpx itself uses.

A connection serves one request at a time; after a response that was read to its end it goes
back on its stack, otherwise (cut short, an error, ``Connection: close``) it is closed.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

import httpcore
import httpx

KEEPALIVE_SECONDS = 5.0  # httpx's default keep-alive expiry
MAX_IDLE = 64  # idle connections kept, all addresses together

# What a failed attempt can raise from here (the log's error class is the exception's name).
HTTP_ERRORS: tuple[type[Exception], ...] = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
)


@dataclass(frozen=True)
class Address:
    """Where to connect: an already checked IP address; ``host`` is the TLS server name."""

    scheme: str
    ip: str  # IPv6 without brackets
    port: int
    host: str


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", " (as httpx does)
    body: bytes  # at most ``keep`` bytes


class Connections:
    """One per event loop. Not thread-safe (nothing here awaits between taking and using)."""

    def __init__(self) -> None:
        self._idle: dict[Address, list[httpcore.AsyncHTTPConnection]] = {}
        self._idle_count = 0
        self._ssl_context: ssl.SSLContext | None = None

    def _new(self, address: Address) -> httpcore.AsyncHTTPConnection:
        if address.scheme == "https" and self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context()  # certificate checks as httpx does them
        origin = httpcore.Origin(address.scheme.encode(), address.ip.encode(), address.port)
        return httpcore.AsyncHTTPConnection(origin, ssl_context=self._ssl_context, keepalive_expiry=KEEPALIVE_SECONDS)

    async def _take(self, address: Address) -> httpcore.AsyncHTTPConnection:
        stack = self._idle.get(address)
        while stack:
            connection = stack.pop()
            self._idle_count -= 1
            if connection.is_idle() and not connection.has_expired():
                return connection
            await connection.aclose()  # the server closed it, or it idled past the keep-alive expiry
        return self._new(address)

    async def _give_back(self, address: Address, connection: httpcore.AsyncHTTPConnection) -> None:
        if not connection.is_idle() or self._idle_count >= MAX_IDLE:
            await connection.aclose()
            return
        self._idle.setdefault(address, []).append(connection)
        self._idle_count += 1

    async def post(
        self,
        address: Address,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        *,
        timeout: float,
        connect_timeout: float,
        keep: int,
    ) -> Answer:
        """POST ``body``; read at most ``keep`` bytes of the answer. ``headers`` must include Host."""
        connection = await self._take(address)
        request = httpcore.Request(
            b"POST",
            httpcore.URL(
                scheme=address.scheme.encode(), host=address.ip.encode(), port=address.port, target=target.encode()
            ),
            headers=[
                *((name.encode(), value.encode()) for name, value in headers),
                (b"Content-Length", str(len(body)).encode()),
            ],
            content=body,
            extensions={
                "timeout": {"connect": connect_timeout, "read": timeout, "write": timeout, "pool": timeout},
                **({"sni_hostname": address.host} if address.scheme == "https" else {}),
            },
        )
        try:
            response = await connection.handle_async_request(request)
            kept = bytearray()
            try:
                async for chunk in response.aiter_stream():
                    kept += chunk
                    if len(kept) >= keep:
                        break  # the rest stays unread: closing the response closes the connection
            finally:
                await response.aclose()
        except BaseException:
            await connection.aclose()
            raise
        await self._give_back(address, connection)
        merged: dict[str, str] = {}
        for raw_name, raw_value in response.headers:
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            merged[name] = f"{merged[name]}, {value}" if name in merged else value
        return Answer(response.status, merged, bytes(kept[:keep]))

    async def close(self) -> None:
        for stack in self._idle.values():
            for connection in stack:
                await connection.aclose()
        self._idle.clear()
        self._idle_count = 0
