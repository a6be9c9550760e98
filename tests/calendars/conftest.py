"""Calendar fixtures: a real Radicale CalDAV server started by the tests, ICS feeds served by a local
HTTP server, a server that accepts connections and never answers, and the job loop."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest

from calapi.calendars import caldav_client
from calapi.jobs import worker as jobs
from tests.bookings.conftest import event_types, host_schedule  # noqa: F401  (fixtures)
from tests.support.servers import free_port, wait_for_port

# Radicale's users (htpasswd, plain): the CalDAV accounts the calapi users connect.
CALDAV_USERS = {"alice": "alice-secret", "bob": "bob-secret"}


@dataclass(frozen=True)
class Radicale:
    base: str
    digest: bool = False  # the server asks for HTTP Digest authentication (``digest_radicale``)

    def auth(self, user: str) -> httpx.Auth:
        password = CALDAV_USERS[user]
        return httpx.DigestAuth(user, password) if self.digest else httpx.BasicAuth(user, password)

    def url(self, user: str) -> str:
        return f"{self.base}/{user}/"

    def account(self, user: str) -> caldav_client.Account:
        return caldav_client.Account(self.url(user), user, CALDAV_USERS[user])

    async def reset(self, user: str, *calendars: str) -> list[str]:
        """Delete the user's calendars and make these (by name); their URLs."""
        for calendar in await caldav_client.list_calendars(self.account(user), timeout=10, allow_private=True):
            async with httpx.AsyncClient(auth=self.auth(user)) as http:
                assert (await http.delete(calendar.external_id)).status_code in (200, 204)
        urls = []
        async with httpx.AsyncClient(auth=self.auth(user)) as http:
            for name in calendars:
                url = f"{self.base}/{user}/{name.lower().replace(' ', '-')}/"
                body = (
                    '<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" '
                    'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
                    f"<D:displayname>{name}</D:displayname></D:prop></D:set></C:mkcalendar>"
                )
                response = await http.request("MKCALENDAR", url, content=body.encode())
                assert response.status_code in (200, 201), response.text
                urls.append(url)
        return urls

    async def put(self, user: str, calendar_url: str, name: str, ics: str) -> None:
        async with httpx.AsyncClient(auth=self.auth(user)) as http:
            response = await http.put(
                calendar_url + name, content=ics.encode(), headers={"Content-Type": "text/calendar"}
            )
            assert response.status_code in (201, 204), response.text

    async def objects(self, user: str, calendar_url: str) -> dict[str, str]:
        """Every event object of the calendar: URL → iCalendar text."""
        found = await caldav_client.calendar_objects(self.account(user), calendar_url, timeout=10, allow_private=True)
        return {o.href: o.data for o in found}


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    folder = tmp_path_factory.mktemp("radicale")
    users = folder / "users"
    users.write_text("".join(f"{name}:{password}\n" for name, password in CALDAV_USERS.items()))
    port = free_port()
    log = (folder / "radicale.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            f"--server-hosts=127.0.0.1:{port}",
            f"--storage-filesystem-folder={folder / 'collections'}",
            "--auth-type=htpasswd",
            f"--auth-htpasswd-filename={users}",
            "--auth-htpasswd-encryption=plain",
            "--auth-delay=0",  # Radicale slows every refused login by a second; the client's first try is one
            "--rights-type=owner_only",
            "--logging-level=warning",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(process, port, "radicale", exited=lambda: (folder / "radicale.log").read_text())
        yield Radicale(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def digest_radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    """Radicale behind HTTP Digest authentication only (WsgiDAV's authenticator, as a server such as
    Baïkal or an Apache front asks for it): Basic credentials are refused, Digest ones let through
    with the user name Radicale then trusts. Served from a thread of the test process."""
    import radicale
    import radicale.config
    from wsgidav.dc.simple_dc import SimpleDomainController
    from wsgidav.http_authenticator import HTTPAuthenticator

    class OneRealm(SimpleDomainController):
        def get_domain_realm(self, path_info: str, environ: Any) -> str:
            return "calendars"

    configuration = radicale.config.load()
    configuration.update(
        {
            "storage": {"filesystem_folder": str(tmp_path_factory.mktemp("digest-radicale"))},
            "auth": {"type": "remote_user"},
            "rights": {"type": "owner_only"},
            "logging": {"level": "warning"},
        },
        "tests",
        privileged=True,
    )
    calendars = radicale.Application(configuration)

    def as_user(environ: dict[str, Any], start_response: Any) -> Any:
        environ["REMOTE_USER"] = environ.get("wsgidav.auth.user_name", "")
        return calendars(environ, start_response)

    users = {name: {"password": password} for name, password in CALDAV_USERS.items()}
    settings = {
        "http_authenticator": {
            "domain_controller": OneRealm,
            "accept_basic": False,
            "accept_digest": True,
            "default_to_digest": True,
        },
        "simple_dc": {"user_mapping": {"*": users}},
    }

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    httpd = make_server("127.0.0.1", 0, HTTPAuthenticator(None, as_user, settings), Server, Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Radicale(f"http://127.0.0.1:{httpd.server_port}", digest=True)
    finally:
        httpd.shutdown()
        httpd.server_close()


@dataclass
class FeedServer:
    """Serves ``feeds[path]`` (bytes) over HTTP; a path in ``hang`` is accepted and never answered."""

    base: str
    feeds: dict[str, bytes] = field(default_factory=dict)
    hang: set[str] = field(default_factory=set)
    hits: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    state: dict[str, FeedServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server = state["server"]
            server.hits.append(self.path)
            if self.path in server.hang:
                server.release.wait(30)
                return
            body = server.feeds.get(self.path)
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state["server"] = FeedServer(f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["server"]
    finally:
        state["server"].release.set()
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers: its base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
                held.append(connection)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        thread.join(2)
        for connection in held:
            connection.close()
        listener.close()


@pytest.fixture
async def job_loop(app: Any) -> AsyncIterator[jobs.Worker]:
    """The job loop, as embedded mode runs it: polls, and is woken when a commit adds jobs."""
    loop_worker = jobs.Worker(app.state.sessionmaker, poll_interval=0.05)
    jobs.wake_on_commit(app.state.sessionmaker, loop_worker)
    task = asyncio.create_task(loop_worker.run())
    yield loop_worker
    await loop_worker.stop()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


async def until(check: Callable[[], Awaitable[Any]], *, timeout: float = 15.0, what: str = "the condition") -> Any:
    """Poll ``check`` until it returns something truthy (without blocking the job loop)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def vcalendar(*events: str, extra: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calapi tests//EN\r\n"
        + extra
        + "".join(events)
        + "END:VCALENDAR\r\n"
    )


def vevent(uid: str, *lines: str) -> str:
    body = "".join(line + "\r\n" for line in lines)
    return f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n{body}END:VEVENT\r\n"
