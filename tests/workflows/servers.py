"""Real servers the notification tests send to: an SMTP server (``aiosmtpd``: plain, with AUTH, with
required STARTTLS) and an HTTP server speaking Twilio's Messages API. Both run in threads of the
test process and record what they receive."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import email
import email.policy
import ipaddress
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.servers import free_port

SMTP_USER = "mailer"
SMTP_PASSWORD = "p@ss:word/with?odd&chars"


@dataclass
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    authenticated_as: str | None
    tls: bool
    at: float

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        # (a folded header may come back with the fold's leading space)
        return str(self.message["Subject"]).strip()

    @property
    def to(self) -> str:
        return self.rcpt_tos[0]

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type and part.get_filename() is None:
                return str(part.get_content())
        raise AssertionError(f"no {content_type} part")

    def calendar(self) -> bytes:
        """The attached .ics file."""
        for part in self.message.walk():
            if part.get_filename() == "invite.ics":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload
        raise AssertionError("no invite.ics attachment")


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        owner = self.server
        if owner.refuse_with is not None:
            return owner.refuse_with
        if owner.delay:
            await asyncio.sleep(owner.delay)
        login = session.auth_data if isinstance(session.auth_data, str) else None
        with owner.lock:
            owner.received.append(
                Delivered(
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    raw=bytes(envelope.original_content or envelope.content),
                    authenticated_as=login,
                    # (a server speaking TLS from the first byte takes nothing from a plaintext client)
                    tls=owner.implicit_tls or session.ssl is not None,
                    at=time.time(),
                )
            )
            number = len(owner.received)
        return f"250 2.0.0 Ok: queued as Q{number:06d}"


@dataclass
class SmtpServer:
    port: int
    url: str  # what CALAPI_SMTP_URL is set to
    received: list[Delivered] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse_with: str | None = None  # answer every message with this instead of 250
    delay: float = 0.0  # seconds before answering each message (a slow server)
    implicit_tls: bool = False

    def messages(self) -> list[Delivered]:
        with self.lock:
            return list(self.received)

    async def wait_for(self, count: int, *, timeout: float = 15.0) -> list[Delivered]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.messages()
            if len(got) >= count:
                return got
            await asyncio.sleep(0.02)
        raise AssertionError(
            f"expected {count} messages, got {len(self.messages())}: {[m.subject for m in self.messages()]}"
        )

    def to(self, address: str) -> list[Delivered]:
        return [m for m in self.messages() if address in m.rcpt_tos]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost (and its key), as files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login.decode() if ok else None)


@contextmanager
def running_smtp(*, mode: str = "plain", folder: Path | None = None) -> Iterator[SmtpServer]:
    """``mode``: "plain" (no auth), "auth" (AUTH required, no TLS), "starttls" (STARTTLS and AUTH
    required), "tls" (TLS from the first byte, as on port 465, and AUTH required)."""
    import ssl
    from urllib.parse import quote

    port = free_port()
    credentials = f"{quote(SMTP_USER, safe='')}:{quote(SMTP_PASSWORD, safe='')}@"
    if mode == "plain":
        url = f"smtp://127.0.0.1:{port}"
    elif mode == "auth":
        url = f"smtp://{credentials}127.0.0.1:{port}"
    elif mode == "tls":
        url = f"smtps://{credentials}127.0.0.1:{port}"
    else:
        url = f"smtp+starttls://{credentials}127.0.0.1:{port}"
    server = SmtpServer(port=port, url=url)
    kwargs: dict[str, Any] = {}
    if mode in ("auth", "starttls", "tls"):
        # (with TLS from the first byte aiosmtpd does not see the connection as secure: it would
        # then refuse AUTH altogether)
        kwargs.update(authenticator=_authenticator, auth_required=True, auth_require_tls=mode == "starttls")
    if mode in ("starttls", "tls"):
        assert folder is not None
        cert, key = self_signed_certificate(folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        if mode == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        else:
            kwargs.update(ssl_context=context)
        server.url = f"{url}?ca_file={cert}"
        server.implicit_tls = mode == "tls"
    controller = Controller(_Handler(server), hostname="127.0.0.1", port=port, ready_timeout=10, **kwargs)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


# ---------------------------------------------------------------- Twilio's Messages API


@dataclass
class SmsRequest:
    path: str
    auth: tuple[str, str] | None
    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class TwilioServer:
    base_url: str
    account_sid: str
    auth_token: str
    requests: list[SmsRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    fail_next: int = 0  # answer this many requests with 503 first
    unreachable: set[str] = field(default_factory=set)  # numbers answered with Twilio's 400 (code 21211)

    async def wait_for(self, count: int, *, timeout: float = 15.0) -> list[SmsRequest]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                accepted = [r for r in self.requests if r.form.get("_accepted") == "1"]
            if len(accepted) >= count:
                return accepted
            await asyncio.sleep(0.02)
        raise AssertionError(f"expected {count} text messages, got {len(self.requests)} requests")


@contextmanager
def running_twilio() -> Iterator[TwilioServer]:
    account_sid = "AC" + uuid.uuid4().hex
    token = uuid.uuid4().hex
    port = free_port()
    state = TwilioServer(base_url=f"http://127.0.0.1:{port}", account_sid=account_sid, auth_token=token)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
            auth = None
            header = self.headers.get("Authorization", "")
            if header.startswith("Basic "):
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                auth = (user, password)
            request = SmsRequest(self.path, auth, form, {k.lower(): v for k, v in self.headers.items()})
            expected_path = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
            with state.lock:
                state.requests.append(request)
                failing = state.fail_next > 0
                if failing:
                    state.fail_next -= 1
            if auth != (account_sid, token):
                self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return
            if (
                self.path != expected_path
                or self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded"
            ):
                self._answer(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
                return
            if failing:
                self._answer(503, {"code": 20500, "message": "Service unavailable", "status": 503})
                return
            if not form.get("To", "").startswith("+") or form.get("To") in state.unreachable:
                self._answer(
                    400,
                    {
                        "code": 21211,
                        "message": f"The 'To' number {form.get('To')} is not a valid phone number.",
                        "status": 400,
                    },
                )
                return
            form["_accepted"] = "1"
            sid = "SM" + uuid.uuid4().hex
            now = dt.datetime.now(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
            self._answer(
                201,
                {
                    "account_sid": account_sid,
                    "api_version": "2010-04-01",
                    "body": form.get("Body"),
                    "date_created": now,
                    "date_sent": None,
                    "date_updated": now,
                    "direction": "outbound-api",
                    "error_code": None,
                    "error_message": None,
                    "from": form.get("From"),
                    "messaging_service_sid": form.get("MessagingServiceSid"),
                    "num_media": "0",
                    "num_segments": "1",
                    "price": None,
                    "price_unit": "USD",
                    "sid": sid,
                    "status": "queued",
                    "to": form.get("To"),
                    "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
                },
            )

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    http = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        http.shutdown()
        http.server_close()
