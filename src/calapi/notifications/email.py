"""Email over SMTP (``aiosmtplib``): composing a message and handing it to the configured server.

Every message carries a ``Message-ID`` made from its stable id in the message log: a retry after
a crash sends the same id, so a receiver (or a test) recognises the second copy.
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
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


def compose(email: OutgoingEmail, *, now: datetime) -> EmailMessage:
    """The MIME message: text and HTML alternatives, and the calendar file when there is one (as
    an attachment, and as a ``text/calendar`` part calendar clients read as an invitation)."""
    message = EmailMessage()
    name, address = parseaddr(email.sender)
    message["From"] = formataddr((email.sender_name or name, address))
    message["To"] = formataddr((email.to_name or "", email.to))
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id_header(email.message_id, email.sender)
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    if email.calendar is not None:
        maintype, _, rest = email.calendar.content_type.partition("/")
        subtype, _, params = rest.partition(";")
        method = params.partition("=")[2].strip()
        extra = {"method": method} if method else {}
        message.add_alternative(email.calendar.content.decode("utf-8"), subtype=subtype.strip(), params=extra)
        message.add_attachment(
            email.calendar.content,
            maintype=maintype,
            subtype=subtype.strip(),
            filename=email.calendar.filename,
            params=extra,
        )
    return message


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


def _unused(server: SmtpServer) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=server.ca_file) if server.ca_file else ssl.create_default_context()
    if not server.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


_TEMPORARY_CODES = range(400, 500)


async def send(server: SmtpServer, message: EmailMessage, *, timeout: float) -> str:
    """Hand ``message`` to the server once; its answer to the data (the server's queue id, usually).

    ``SendFailed.temporary`` says whether trying again later may work: a 4xx answer, a refused or
    dropped connection, a timeout. A 5xx answer (the address is refused) is final.
    """
    try:
        _, answer = await aiosmtplib.send(
            message,
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.tls == "implicit",
            start_tls=True if server.tls == "starttls" else (None if server.tls == "opportunistic" else False),
            tls_context=_tls_context(server),
            timeout=timeout,
        )
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
    return answer[:255]
