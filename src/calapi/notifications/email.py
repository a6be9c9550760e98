"""Email over SMTP (``aiosmtplib``): composing a message and handing it to the configured server.

Every message carries a ``Message-ID`` made from its stable id in the message log: a retry after
a crash sends the same id, so a receiver (or a test) recognises the second copy.
"""

from __future__ import annotations

import asyncio
import functools
import io
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from email import encoders
from email.generator import BytesGenerator
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, parseaddr

import aiosmtplib

from calapi.config import SmtpServer
from calapi.notifications.errors import SendFailed


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str  # "text/calendar; method=REQUEST"


@dataclass(frozen=True)
class OutgoingEmail:
    message_id: str  # the log's id; the header is <message_id@sender's domain>
    sender: str  # CALAPI_EMAIL_FROM
    sender_name: str | None  # a display name that replaces the configured one (a workflow step's "sender")
    to: str
    to_name: str | None
    subject: str
    html: str
    text: str
    reply_to: str | None = None
    calendar: Attachment | None = None


def message_id_header(message_id: str, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "calapi.local"
    return f"<{message_id}@{domain}>"


def _header_text(value: str) -> str:
    """A header value: as is when ASCII, RFC 2047-encoded otherwise."""
    return value if value.isascii() else Header(value, "utf-8").encode()


def _address(name: str | None, address: str) -> str:
    return formataddr((name or "", address), charset="utf-8")


def compose(email: OutgoingEmail, *, now: datetime) -> bytes:
    """The message as sent: text and HTML alternatives, and the calendar file when there is one
    (as a ``text/calendar`` alternative calendar clients read as an invitation, and attached).

    Built with the ``email.mime`` classes and written once, with CRLF line ends: the header
    registry of ``EmailMessage`` costs several times as much CPU per message, which shows when
    thousands of reminders fall due together."""
    _, address = parseaddr(email.sender)
    name = email.sender_name or parseaddr(email.sender)[0]
    # Boundaries of our own (random): the generator would otherwise search the body for a safe one.
    alternative = MIMEMultipart("alternative", boundary=f"=_alt_{uuid.uuid4().hex}")
    alternative.attach(MIMEText(email.text, "plain", "utf-8"))
    alternative.attach(MIMEText(email.html, "html", "utf-8"))
    message: MIMEMultipart = alternative
    if email.calendar is not None:
        subtype = email.calendar.content_type.partition("/")[2].partition(";")[0].strip()
        method = email.calendar.content_type.partition("method=")[2].strip()
        invitation = MIMEText(email.calendar.content.decode("utf-8"), subtype, "utf-8")
        if method:
            invitation.set_param("method", method)
        alternative.attach(invitation)
        attached = MIMEBase("application", "ics", name=email.calendar.filename)
        attached.set_payload(email.calendar.content)
        encoders.encode_base64(attached)
        attached.add_header("Content-Disposition", "attachment", filename=email.calendar.filename)
        message = MIMEMultipart("mixed", boundary=f"=_mix_{uuid.uuid4().hex}")
        message.attach(alternative)
        message.attach(attached)
    message["From"] = _address(name, address)
    message["To"] = _address(email.to_name, email.to)
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Subject"] = _header_text(email.subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id_header(email.message_id, email.sender)
    out = io.BytesIO()
    BytesGenerator(out, policy=_WIRE).flatten(message)
    return out.getvalue()


_WIRE = compat32.clone(linesep="\r\n")


def envelope_sender(sender: str) -> str:
    return parseaddr(sender)[1]


@functools.lru_cache(maxsize=8)
def _tls_context_for(ca_file: str | None, verify: bool) -> ssl.SSLContext:
    # Built once per setting: loading the CA bundle costs milliseconds of CPU per message otherwise.
    context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _tls_context(server: SmtpServer) -> ssl.SSLContext:
    return _tls_context_for(server.ca_file, server.verify)


_TEMPORARY_CODES = range(400, 500)
_IDLE_SECONDS = 30.0  # an open connection kept this long for the next message
_MAX_IDLE = 16  # per server, per event loop


@functools.lru_cache(maxsize=1)
def _local_hostname() -> str:
    # EHLO's name, looked up once per process (aiosmtplib would look it up per connection).
    return socket.getfqdn()


class _Connections:
    """Open SMTP connections kept for the next message: a burst of reminders pays for one
    connection (and one STARTTLS and login) per concurrent sender, not one per message."""

    def __init__(self) -> None:
        self._idle: dict[tuple[SmtpServer, float], list[tuple[aiosmtplib.SMTP, float]]] = {}

    async def take(self, server: SmtpServer, timeout: float) -> tuple[aiosmtplib.SMTP, bool]:
        """A connected, logged-in client; True when it was open already."""
        idle = self._idle.setdefault((server, timeout), [])
        now = time.monotonic()
        while idle:
            client, since = idle.pop()
            if now - since < _IDLE_SECONDS and client.is_connected:
                return client, True
            client.close()
        client = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.tls == "implicit",
            start_tls=True if server.tls == "starttls" else (None if server.tls == "opportunistic" else False),
            tls_context=_tls_context(server),
            timeout=timeout,
            local_hostname=_local_hostname(),
        )
        await client.connect()
        return client, False

    def give_back(self, server: SmtpServer, timeout: float, client: aiosmtplib.SMTP) -> None:
        idle = self._idle.setdefault((server, timeout), [])
        if len(idle) < _MAX_IDLE and client.is_connected:
            idle.append((client, time.monotonic()))
        else:
            client.close()


_pools: dict[int, tuple[asyncio.AbstractEventLoop, _Connections]] = {}


def _connections() -> _Connections:
    """One set of kept connections per event loop."""
    loop = asyncio.get_running_loop()
    entry = _pools.get(id(loop))
    if entry is None or entry[0] is not loop:
        entry = _pools[id(loop)] = (loop, _Connections())
    return entry[1]


async def send(server: SmtpServer, message: bytes, *, sender: str, recipient: str, timeout: float) -> str:
    """Hand ``message`` to the server once; its answer to the data (the server's queue id, usually).

    ``SendFailed.temporary`` says whether trying again later may work: a 4xx answer, a refused or
    dropped connection, a timeout, a refused login (the setting may be fixed meanwhile). A 5xx
    answer (the address is refused) is final. A kept connection the server has closed meanwhile
    is replaced once, at once.
    """
    pool = _connections()
    try:
        for _ in range(2):
            client, reused = await pool.take(server, timeout)
            try:
                _, answer = await client.sendmail(sender, [recipient], message)
            except aiosmtplib.SMTPServerDisconnected:
                client.close()
                if reused:
                    continue  # closed while it waited: once more on a new connection
                raise
            except BaseException:
                client.close()  # its state after a refusal is not worth guessing
                raise
            pool.give_back(server, timeout, client)
            return answer[:255]
        raise aiosmtplib.SMTPServerDisconnected("the server closed the connection twice")
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [error.code for error in exc.recipients]
        temporary = all(code in _TEMPORARY_CODES for code in codes)
        raise SendFailed(f"recipient refused: {'; '.join(str(e) for e in exc.recipients)}"[:500], temporary) from None
    except aiosmtplib.SMTPAuthenticationError as exc:
        # The server refused the configured login: fixing the setting lets a later attempt through.
        raise SendFailed(f"SMTP {exc.code}: {exc.message}"[:500], True) from None
    except aiosmtplib.SMTPResponseException as exc:
        raise SendFailed(
            f"SMTP {exc.code}: {exc.message}"[:500], exc.code in _TEMPORARY_CODES or exc.code < 400
        ) from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise SendFailed(f"{exc.__class__.__name__}: {exc}"[:500], True) from None
