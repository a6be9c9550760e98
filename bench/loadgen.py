"""A small closed-loop HTTP/1.1 load generator on raw asyncio sockets (keep-alive).

Light enough that, on a 2-core machine, the server under test and not the client is the limit.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    requests: int
    seconds: float
    statuses: dict[int, int]
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        data = sorted(self.latencies_ms)
        if not data:
            return float("nan")
        index = min(len(data) - 1, max(0, round(p / 100 * len(data)) - 1))
        return data[index]

    def summary(self) -> dict[str, float]:
        return {
            "requests": self.requests,
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else float("nan"),
        }


def _request_bytes(method: str, url: str, headers: dict[str, str], body: bytes = b"") -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return parts.hostname or "127.0.0.1", parts.port or 80, ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        lname = name.strip().lower()
        if lname == b"content-length":
            length = int(value.strip())
        elif lname == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def run_load(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | Callable[[], bytes] = b"",
    connections: int = 16,
    duration: float = 10.0,
    warmup: float = 2.0,
) -> LoadResult:
    """Closed loop: each connection sends its next request when the last answer is read.

    ``body`` may be a function returning a new body per request (every booking a new slot).
    """
    fixed = None if callable(body) else _request_bytes(method, url, headers or {}, body)
    host, port, _ = fixed or _request_bytes(method, url, headers or {}, b"")
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    count = 0
    measuring = False
    stop_at = time.perf_counter() + warmup + duration

    async def one_connection() -> None:
        nonlocal count
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                writer.write(fixed[2] if fixed else _request_bytes(method, url, headers or {}, body())[2])
                status = await _read_response(reader)
                if measuring:
                    latencies.append((time.perf_counter() - started) * 1000)
                    statuses[status] = statuses.get(status, 0) + 1
                    count += 1
        finally:
            writer.close()

    tasks = [asyncio.create_task(one_connection()) for _ in range(connections)]
    await asyncio.sleep(warmup)
    measuring = True
    began = time.perf_counter()
    await asyncio.gather(*tasks)
    return LoadResult(count, time.perf_counter() - began, statuses, latencies)
