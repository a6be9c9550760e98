"""Settings, read from the environment (prefix ``CALAPI_``) and validated at start."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that mean "nobody chose a secret"; refused in production.
PLACEHOLDER_SECRETS = {"", "changeme", "changethis", "secret", "change-me", "please-change-me", "dev-secret"}

_RATE_LIMIT_RE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+\s*)?(second|minute|hour|day)s?\s*$")
_SECONDS_PER = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


class Environment(StrEnum):
    development = "development"
    production = "production"


def parse_rate_limit(text: str) -> tuple[int, int]:
    """``"120/minute"`` or ``"10/5 seconds"`` → (limit, window seconds)."""
    match = _RATE_LIMIT_RE.match(text.lower())
    if not match:
        raise ValueError(f"expected '<count>/<unit>' such as '120/minute', got {text!r}")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _SECONDS_PER[unit]


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
    log_level: str = "info"

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not (value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")):
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

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit_shape(cls, value: str) -> str:
        parse_rate_limit(value)
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
