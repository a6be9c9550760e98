"""Shared pieces of the wire schemas (Pydantic) used by several domains."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

from calapi.core.timezones import is_time_zone

LOCALES = [
    "ar",
    "ca",
    "de",
    "es",
    "eu",
    "he",
    "id",
    "ja",
    "lv",
    "pl",
    "ro",
    "sr",
    "th",
    "vi",
    "az",
    "cs",
    "el",
    "es-419",
    "fi",
    "hr",
    "it",
    "km",
    "nl",
    "pt",
    "ru",
    "sv",
    "tr",
    "zh-CN",
    "bg",
    "da",
    "en",
    "et",
    "fr",
    "hu",
    "iw",
    "ko",
    "no",
    "pt-BR",
    "sk",
    "ta",
    "uk",
    "zh-TW",
    "bn",
]
if TYPE_CHECKING:  # the checker cannot read a Literal built from a tuple
    Locale = str
else:
    Locale = Literal[tuple(LOCALES)]
WeekDay = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# Cal.com's booker cookie: a slot-reservation uid, so that hold does not block its booker (set by
# the legacy reserve route, read by the legacy listing and by booking).
BOOKER_COOKIE = "uid"

METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


def _check_time_zone(value: str) -> str:
    if not is_time_zone(value):
        raise ValueError(f"must be an IANA time zone such as 'Europe/London', got {value!r}")
    return value


def _check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > METADATA_MAX_KEYS:
        raise ValueError(f"at most {METADATA_MAX_KEYS} keys are allowed, got {len(value)}")
    for key, item in value.items():
        if len(key) > METADATA_MAX_KEY_LENGTH:
            raise ValueError(f"key {key[:20]!r}… is longer than {METADATA_MAX_KEY_LENGTH} characters")
        if isinstance(item, str) and len(item) > METADATA_MAX_VALUE_LENGTH:
            raise ValueError(f"value of {key!r} is longer than {METADATA_MAX_VALUE_LENGTH} characters")
        if not isinstance(item, (str, int, float, bool)) and item is not None:
            raise ValueError(f"value of {key!r} must be a string, number or boolean")
    return value


def _check_metadata_with_apps(value: dict[str, Any]) -> dict[str, Any]:
    """An event type's metadata: as any other, plus ``apps`` (its payment app settings, an object
    the event types room checks field by field)."""
    _check_metadata({k: v for k, v in value.items() if k != "apps"})
    if "apps" in value and not isinstance(value["apps"], dict):
        raise ValueError("apps must be an object of apps by name, such as {'stripe': {...}}")
    return value


TimeZoneName = Annotated[str, AfterValidator(_check_time_zone)]
Metadata = Annotated[dict[str, Any], AfterValidator(_check_metadata)]
EventTypeMetadata = Annotated[dict[str, Any], AfterValidator(_check_metadata_with_apps)]


class WireModel(BaseModel):
    """Input bodies: camelCase names, unknown fields dropped (as Cal.com's global pipe does)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class StrictWireModel(BaseModel):
    """Input bodies where Cal.com refuses unknown fields (booking create/cancel/reschedule, slots)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


_WORD_START = re.compile(r"(?<!^)(?=[A-Z])")


def snake_case(name: str) -> str:
    """A wire name as the domain spells it: ``hideBookATeamMember`` → ``hide_book_a_team_member``."""
    return _WORD_START.sub("_", name).lower()


def sent_values(body: BaseModel, *, nulls: bool = False) -> dict[str, Any]:
    """The fields a request body gave, by their domain (snake_case) names; ``null`` counts as not
    given unless ``nulls`` (where a null clears a field)."""
    return {
        snake_case(name): value for name in body.model_fields_set if (value := getattr(body, name)) is not None or nulls
    }
