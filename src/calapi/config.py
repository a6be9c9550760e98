"""Settings, read from the environment (prefix ``CALAPI_``) and validated at start."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that mean "nobody chose a secret"; refused in production.
PLACEHOLDER_SECRETS = {"", "changeme", "changethis", "secret", "change-me", "please-change-me", "dev-secret"}

_RATE_LIMIT_RE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+\s*)?(second|minute|hour|day)s?\s*$")
_SECONDS_PER = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_DURATION_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


class Environment(StrEnum):
    development = "development"
    production = "production"


class AvailabilityCacheMode(StrEnum):
    auto = "auto"
    process = "process"
    off = "off"


def parse_rate_limit(text: str) -> tuple[int, int]:
    """``"120/minute"`` or ``"10/5 seconds"`` → (limit, window seconds)."""
    match = _RATE_LIMIT_RE.match(text.lower())
    if not match:
        raise ValueError(f"expected '<count>/<unit>' such as '120/minute', got {text!r}")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _SECONDS_PER[unit]


def parse_duration(text: str) -> float:
    """``"5s"``, ``"30m"``, ``"2h"``, ``"1d"``, ``"250ms"`` or bare seconds → seconds."""
    match = _DURATION_RE.match(text.lower())
    if not match:
        raise ValueError(f"expected a duration such as '5s', '30m', '2h' or '1d', got {text!r}")
    return float(match.group(1)) * _DURATION_SECONDS[match.group(2) or "s"]


def parse_schedule(text: str) -> tuple[float, ...]:
    """``"0,5s,5m"`` → the delay before each attempt, in seconds (the first is the first attempt's)."""
    parts = [p for p in text.split(",") if p.strip()]
    if not parts:
        raise ValueError("expected a comma-separated list of delays such as '0,5s,5m,30m'")
    return tuple(parse_duration(p) for p in parts)


def parse_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``"10.0.0.5, 172.16.0.0/12"`` → networks (an address is a network of one)."""
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(
                f"expected addresses or networks such as '10.0.0.5, 172.16.0.0/12', got {part!r}"
            ) from None
    return tuple(networks)


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand email over (``CALAPI_SMTP_URL``, parsed)."""

    host: str
    port: int
    username: str | None
    password: str | None
    tls: str  # "starttls" (required), "opportunistic" (if offered), "implicit" (smtps)
    verify: bool
    ca_file: str | None


_SMTP_SCHEMES = {"smtp": ("opportunistic", 25), "smtp+starttls": ("starttls", 587), "smtps": ("implicit", 465)}


def parse_smtp_url(url: str) -> SmtpServer:
    """``smtp[s|+starttls]://[user[:password]@]host[:port][?verify=false&ca_file=/path]`` → its parts.

    User and password are percent-decoded, so a password may hold any character."""
    parts = urlsplit(url.strip())
    if parts.scheme not in _SMTP_SCHEMES:
        raise ValueError(
            "use 'smtp://', 'smtp+starttls://' or 'smtps://', such as 'smtp+starttls://user:pass@mail.example.com:587'"
        )
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the port must be a number between 1 and 65535") from None
    if not parts.hostname:
        raise ValueError("the URL names no host")
    tls, default_port = _SMTP_SCHEMES[parts.scheme]
    query = dict(parse_qsl(parts.query))
    unknown = set(query) - {"verify", "ca_file"}
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(sorted(unknown))}; known: verify, ca_file")
    verify_text = query.get("verify", "true").lower()
    if verify_text not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError("verify must be true or false")
    return SmtpServer(
        host=parts.hostname,
        port=port or default_port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        tls=tls,
        verify=verify_text in ("true", "1", "yes"),
        ca_file=query.get("ca_file") or None,
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALAPI_", env_file=".env", extra="ignore")

    env: Environment = Environment.development
    database_url: str = "sqlite+aiosqlite:///./data/calapi.db"
    redis_url: str | None = None
    api_key_prefix: str = "cal_"
    rate_limit: str = "120/minute"
    secret_key: str = "dev-secret"
    # Run the job loop inside the API process; None means "on for SQLite, off otherwise".
    run_worker: bool | None = None
    max_body_bytes: int = 1_048_576
    # Arrays and objects nested deeper than this in a request body answer 400.
    max_json_depth: int = 32
    log_level: str = "info"
    # A claimed job belongs to its worker this long; a dead worker's jobs are taken over after it.
    job_lease_seconds: float = 120.0
    # Webhooks: delays before each attempt (first = the first attempt), jitter on each delay.
    webhook_retry_schedule: str = "0,5s,5m,30m,2h,5h,10h,14h,20h,24h"
    webhook_retry_jitter: float = 0.2
    webhook_timeout_seconds: float = 15.0
    # None: allowed in development, refused in production (loopback, RFC 1918, unique-local …).
    webhook_allow_private_networks: bool | None = None
    # A scheduled trigger (MEETING_STARTED …) found later than this after its time is marked expired.
    webhook_catchup_window: str = "24h"
    # A subscription failing without a single success for this long is disabled.
    webhook_disable_after: str = "5d"
    webhook_log_retention: str = "30d"
    # Per worker process, which runs 32 jobs at once: a slow subscriber holds at most half of them.
    webhook_max_in_flight_per_subscriber: int = 16
    # Input limits: what one booking or one webhook subscription may carry (every API version).
    # Free text a booker writes: notes, and the reasons given when cancelling, rescheduling, declining.
    booking_max_text_length: int = 10_000
    booking_max_name_length: int = 255
    booking_max_guests: int = 30
    # Answers to booking fields: an event type has at most 100 fields, plus the built-in ones.
    booking_max_response_keys: int = 200
    booking_max_responses_bytes: int = 65_536
    # A webhook body as sent (after its payloadTemplate is applied), and the template itself.
    webhook_max_body_bytes: int = 262_144
    webhook_max_template_bytes: int = 32_768
    # Comma-separated addresses or networks (CIDR) of the reverse proxies in front of the server.
    # Only a request whose peer is one of them has its X-Forwarded-For / X-Forwarded-Proto used
    # (for the rate limit's client address, idempotency scope and links); empty trusts nobody.
    trusted_proxies: str = ""
    # Slot listings (every API version): the longest range one request may ask (a year, leap
    # years and a range given by whole dates included), and the most slots one answer may hold
    # (a year of 15-minute slots in weekday office hours is about 8,400).
    slots_max_range_days: int = Field(default=366, ge=1, le=3660)
    slots_max_per_answer: int = Field(default=10_000, ge=1, le=1_000_000)
    # Calendars (CalDAV servers, ICS feeds): busy times are cached per calendar and refreshed on the
    # job engine twice per ``calendar_cache_ttl``; a calendar whose last good data is older than
    # that is named stale. One calendar request may take ``calendar_timeout``; the cache covers
    # ``calendar_horizon_days`` ahead.
    calendar_cache_ttl: str = "60s"
    calendar_timeout: str = "3s"
    calendar_horizon_days: int = Field(default=180, ge=1, le=1830)
    # Apple's CalDAV server (``POST /v2/calendars/apple/credentials``).
    apple_caldav_url: str = "https://caldav.icloud.com/"
    # None: allowed in development, refused in production (a calendar server on the LAN needs true).
    calendar_allow_private_networks: bool | None = None
    # Notifications (booking emails, workflow reminders). Email goes through SMTP:
    # smtp://user:pass@host:587 (STARTTLS when the server offers it), smtp+starttls://… (STARTTLS
    # required), smtps://…:465 (TLS from the start); ?verify=false or ?ca_file=/path for a private
    # certificate. Unset: messages are still recorded, marked "not sent: not configured".
    smtp_url: SecretStr | None = None
    email_from: str = "calapi <no-reply@localhost>"
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    # SMS through a Twilio-compatible Messages API (base URL, account, token, sender number or
    # messaging service id). Unset: SMS messages are recorded as not sent.
    sms_base_url: str = "https://api.twilio.com"
    sms_account_sid: str | None = None
    sms_auth_token: SecretStr | None = None
    sms_from: str | None = None
    sms_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    # A reminder found later than this after its time (the worker was down) is marked missed, not sent.
    reminder_catchup_window: str = "1h"
    # The message log keeps a finished message (sent, failed, cancelled, missed) this long.
    notification_log_retention: str = "90d"
    # Delays before each attempt at sending one message (the first is the first attempt's).
    notification_retry_schedule: str = "0,30s,2m,10m,1h"
    # Where booking links in messages point ({CANCEL_URL}, {RESCHEDULE_URL}); empty: no links.
    public_url: str = ""
    # Hosts' busy time kept between slot listings (calapi/availability/cache.py). "auto": shared
    # through Redis when CALAPI_REDIS_URL is set, else in process on SQLite when this is the only
    # server process (not a worker of `calapi serve --workers N`), else off. "process": in
    # process (declare that no other process writes bookings). "off": every listing reads the
    # database. Bookings are always checked against the database, whatever this says.
    availability_cache: AvailabilityCacheMode = AvailabilityCacheMode.auto
    # Paid event types (Stripe). The API base is a setting so that a test double (localstripe)
    # or a proxy can stand in; without a secret key a paid event type cannot be booked (400).
    stripe_api_base: str = "https://api.stripe.com"
    stripe_secret_key: SecretStr | None = None
    # The signing secret of the Stripe webhook endpoint (/api/integrations/stripepayment/webhook).
    stripe_webhook_secret: SecretStr | None = None
    stripe_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    # How long an unpaid booking keeps its slot; then it is cancelled and its PaymentIntent too.
    payment_hold: str = "15m"
    # The settings pages (calapi/web): how long a sign-in lasts, and how many sign-in attempts one
    # account and one client address may make per window (a fixed window: never a lock-out).
    session_lifetime: str = "14d"
    sign_in_rate_limit: str = "10/15 minutes"

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not (value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://"))):
            raise ValueError("use 'sqlite+aiosqlite:///path.db' or 'postgresql+asyncpg://user@host/db'")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("use 'redis://host:6379/0'")
        return value

    @field_validator("api_key_prefix")
    @classmethod
    def _prefix_shape(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", value):
            raise ValueError("lower-case letters, digits and '_' only, such as 'cal_' or 'cal_live_'")
        return value

    @field_validator("rate_limit", "sign_in_rate_limit")
    @classmethod
    def _rate_limit_shape(cls, value: str) -> str:
        parse_rate_limit(value)
        return value

    @field_validator("webhook_retry_schedule", "notification_retry_schedule")
    @classmethod
    def _schedule_shape(cls, value: str) -> str:
        parse_schedule(value)
        return value

    @field_validator(
        "webhook_catchup_window",
        "webhook_disable_after",
        "webhook_log_retention",
        "reminder_catchup_window",
        "notification_log_retention",
    )
    @classmethod
    def _duration_shape(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("calendar_cache_ttl", "calendar_timeout", "payment_hold", "session_lifetime")
    @classmethod
    def _positive_duration(cls, value: str) -> str:
        if parse_duration(value) <= 0:
            raise ValueError("must be a positive duration such as '3s' or '60s'")
        return value

    @field_validator("apple_caldav_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("use an http(s) URL such as 'https://caldav.icloud.com/'")
        return value

    @field_validator(
        "booking_max_text_length",
        "booking_max_name_length",
        "booking_max_guests",
        "booking_max_response_keys",
        "booking_max_responses_bytes",
        "webhook_max_body_bytes",
        "webhook_max_template_bytes",
    )
    @classmethod
    def _positive_limit(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be a positive whole number")
        return value

    @field_validator("booking_max_name_length")
    @classmethod
    def _name_fits_column(cls, value: int) -> int:
        if value > 255:
            raise ValueError("at most 255 (the width of the attendee name column)")
        return value

    @field_validator("max_json_depth")
    @classmethod
    def _json_depth_range(cls, value: int) -> int:
        # the upper bound keeps parsing and checking well inside Python's recursion limit
        if not 1 <= value <= 200:
            raise ValueError("must be between 1 and 200")
        return value

    @field_validator("webhook_retry_jitter")
    @classmethod
    def _jitter_range(cls, value: float) -> float:
        if not 0 <= value < 1:
            raise ValueError("must be between 0 and 1 (0.2 means ±20 %)")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        parse_smtp_url(value.get_secret_value())
        return value

    @field_validator("email_from")
    @classmethod
    def _email_from_shape(cls, value: str) -> str:
        from email.utils import parseaddr

        if "@" not in parseaddr(value)[1]:
            raise ValueError("expected an address such as 'Cal <notifications@example.com>'")
        return value

    @field_validator("public_url", "sms_base_url")
    @classmethod
    def _http_url_shape(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("expected an http(s) URL such as 'https://cal.example.com'")
        return value

    @field_validator("secret_key")
    @classmethod
    def _production_secret(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("env") is Environment.production and (
            value.strip().lower() in PLACEHOLDER_SECRETS or len(value) < 16
        ):
            raise ValueError(
                "must be a random value of 16+ characters in production "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def worker_in_process(self) -> bool:
        return self.is_sqlite if self.run_worker is None else self.run_worker

    @property
    def webhook_private_networks_allowed(self) -> bool:
        if self.webhook_allow_private_networks is None:
            return self.env is Environment.development
        return self.webhook_allow_private_networks

    @property
    def calendar_private_networks_allowed(self) -> bool:
        if self.calendar_allow_private_networks is None:
            return self.env is Environment.development
        return self.calendar_allow_private_networks

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return parse_networks(self.trusted_proxies)

    @property
    def smtp_server(self) -> SmtpServer | None:
        """The SMTP server to send through; None when email is not configured."""
        return parse_smtp_url(self.smtp_url.get_secret_value()) if self.smtp_url is not None else None

    @property
    def sms_configured(self) -> bool:
        return bool(self.sms_account_sid and self.sms_auth_token and self.sms_from)

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over HTTPS: in production, where the server sits behind TLS."""
        return self.env is Environment.production

    @property
    def rate_limit_parsed(self) -> tuple[int, int]:
        return parse_rate_limit(self.rate_limit)

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        raw = self.database_url.split(":///", 1)[1]
        return None if raw in ("", ":memory:") else Path(raw)


class SettingsError(Exception):
    """A setting failed validation; the message names the variable."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "settings"
            name = f"CALAPI_{field.upper()}"
            lines.append(f"{name}: {err['msg'].removeprefix('Value error, ')}")
        raise SettingsError("invalid settings: " + "; ".join(lines)) from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()
