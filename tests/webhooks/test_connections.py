"""Deliveries reuse keep-alive connections, and a connection the subscriber closed while it sat idle
is noticed before use: it costs a new connection, never a failed attempt."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from tests.bookings.conftest import MONDAY, at, book
from tests.webhooks.conftest import SECRET, settle, subscribe


@dataclass
class KeepAliveReceiver:
    """HTTP/1.1 with keep-alive on the test's event loop; closes a connection idle for ``idle_close`` s."""

    idle_close: float
    connections: int = 0
    requests: list[tuple[int, bytes]] = field(default_factory=list)  # (connection number, body)
    url: str = ""

    async def start(self) -> asyncio.AbstractServer:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
        return server

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        try:
            while True:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.idle_close)
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                self.requests.append((number, await reader.readexactly(length)))
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def test_keep_alive_is_reused_and_a_closed_idle_connection_is_replaced(app, client, alice, event_types, job_loop):
    receiver = KeepAliveReceiver(idle_close=2.0)
    server = await receiver.start()
    try:
        hook = await subscribe(client, alice, receiver.url, ["BOOKING_CREATED"])
        # Back to back: the second delivery goes out on the first one's connection.
        for start in ("09:00", "09:30"):
            assert (await book(client, event_types.regular, at(MONDAY, start))).status_code == 201
            await settle(app)
        assert [number for number, _ in receiver.requests] == [1, 1]
        # The receiver closes the idle connection; the next delivery notices and connects again.
        await asyncio.sleep(2.5)
        assert (await book(client, event_types.regular, at(MONDAY, "10:00"))).status_code == 201
        await settle(app)
        assert [number for number, _ in receiver.requests] == [1, 1, 2]
        log = (await client.get(f"/v2/webhooks/{hook['id']}/deliveries", headers=alice.headers)).json()["data"]
        assert [(entry["status"], len(entry["attemptLog"])) for entry in log] == [("succeeded", 1)] * 3
        assert all(entry["attemptLog"][0]["errorClass"] is None for entry in log)
        assert SECRET not in str(log)
    finally:
        server.close()
        await server.wait_closed()
