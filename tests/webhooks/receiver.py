"""A real HTTP receiver on 127.0.0.1 for webhook tests: records every request and verifies both
signatures the way a subscriber would (Cal.com's hex HMAC, Standard Webhooks' ``v1,`` entries)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    answered: int = 200

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def json(self) -> dict:
        import json

        return json.loads(self.body)


def standard_key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[6:])
    return secret.encode()


def verify_cal(secret: str | None, request: Received) -> bool:
    expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest() if secret else "no-secret-provided"
    return hmac.compare_digest(request.headers.get("x-cal-signature-256", ""), expected)


def verify_standard(secret: str, request: Received, *, tolerance: int = 300) -> bool:
    """Standard Webhooks verification: any ``v1,`` entry matching, timestamp within tolerance."""
    msg_id, stamp = request.headers["webhook-id"], request.headers["webhook-timestamp"]
    if abs(time.time() - int(stamp)) > tolerance:
        return False
    signed = f"{msg_id}.{stamp}.".encode() + request.body
    expected = base64.b64encode(hmac.new(standard_key(secret), signed, hashlib.sha256).digest()).decode()
    for entry in request.headers.get("webhook-signature", "").split(" "):
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


Responder = Callable[[Received], tuple[int, dict[str, str], bytes]]


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    respond: Responder = lambda r: (200, {}, b"ok")
    lock: threading.Lock = field(default_factory=threading.Lock)

    def by_path(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    async def wait_for(self, count: int, *, path: str | None = None, timeout: float = 10.0) -> list[Received]:
        """Waits without blocking the event loop (the job loop under test runs on it)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                got = [r for r in self.requests if path is None or r.path == path]
            if len(got) >= count or time.monotonic() > deadline:
                return got
            await asyncio.sleep(0.02)


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if len(body) < length:  # the sender died mid-request: a subscriber never sees a partial body
                self.close_connection = True
                return
            request = Received(path=self.path, headers={k.lower(): v for k, v in self.headers.items()}, body=body)
            status, headers, answer = receiver.respond(request)
            request.answered = status
            with receiver.lock:
                receiver.requests.append(request)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
