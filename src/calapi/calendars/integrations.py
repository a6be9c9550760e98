"""How each kind of connection presents itself (Cal.com's ``integration`` block, v1's app name)."""

from __future__ import annotations

from typing import Any

from calapi.calendars.models import CredentialType

APP_IDS = {
    CredentialType.apple.value: "apple-calendar",
    CredentialType.caldav.value: "caldav-calendar",
    CredentialType.ics_feed.value: "ics-feed",
}
_DESCRIBED = {
    CredentialType.apple.value: ("Apple Calendar", "Apple's iCloud calendar over CalDAV"),
    CredentialType.caldav.value: ("CalDav Server", "Any CalDAV server: Nextcloud, Fastmail, Radicale, Baïkal …"),
    CredentialType.ics_feed.value: ("ICS Feed", "A read-only calendar published as an ICS feed"),
}


def name_of(credential_type: str) -> str:
    return _DESCRIBED.get(credential_type, (credential_type, ""))[0]


def integration(credential_type: str) -> dict[str, Any]:
    name, description = _DESCRIBED.get(credential_type, (credential_type, credential_type))
    return {
        "name": name,
        "description": description,
        "type": credential_type,
        "variant": "calendar",
        "categories": ["calendar"],
        "logo": "",
        "publisher": "calapi",
        "slug": APP_IDS.get(credential_type, credential_type),
        "url": "",
        "email": "",
        "locationOption": None,
    }
