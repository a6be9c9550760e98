"""Secrets at rest: what a calendar connection needs to log in, encrypted with a key derived from
``CALAPI_SECRET_KEY``.

Fernet (AES-128-CBC with HMAC-SHA256) from ``cryptography``; the key is HKDF-SHA256 of the setting,
bound to this use by its ``info``, so the same setting can key other things without reuse. A secret
written under another ``CALAPI_SECRET_KEY`` cannot be read: the connection is then marked invalid
and asks to be connected again.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"calapi calendar credentials v1"


class SecretUnreadable(Exception):
    """The stored secret was written under another key (or is damaged)."""


class Cipher:
    def __init__(self, secret_key: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, value: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(value, separators=(",", ":")).encode()).decode("ascii")

    def open(self, token: str) -> dict[str, Any]:
        try:
            value = json.loads(self._fernet.decrypt(token.encode("ascii")))
        except (InvalidToken, ValueError):
            raise SecretUnreadable(
                "the stored secret cannot be read (CALAPI_SECRET_KEY changed?): connect the calendar again"
            ) from None
        if not isinstance(value, dict):
            raise SecretUnreadable("the stored secret is damaged: connect the calendar again")
        return value
