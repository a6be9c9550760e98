"""Both signatures a delivery carries: Cal.com's ``X-Cal-Signature-256`` and Standard Webhooks'.

- ``X-Cal-Signature-256``: lowercase hex HMAC-SHA256 of the exact body bytes, keyed by the secret
  string as UTF-8 (what Cal.com sends and its receivers verify); ``no-secret-provided`` without one.
- ``webhook-signature``: ``v1,`` + base64 HMAC-SHA256 of ``{webhook-id}.{webhook-timestamp}.{body}``.
  The key follows the Standard Webhooks spec: a ``whsec_``-prefixed secret is base64 after the
  prefix and its decoded bytes are the key; any other secret (Cal.com lets users type one) is used
  as its UTF-8 bytes, the same key ``X-Cal-Signature-256`` uses, so one secret serves both. Without
  a secret there is nothing to sign with and the header is not sent.
- During a rotation both secrets sign: ``webhook-signature`` carries two space-separated entries
  (new first), ``X-Cal-Signature-256`` uses the new secret only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as random_secrets

NO_SECRET = "no-secret-provided"
WHSEC_PREFIX = "whsec_"


def new_secret() -> str:
    return WHSEC_PREFIX + base64.b64encode(random_secrets.token_bytes(32)).decode()


def standard_key(secret: str) -> bytes:
    if secret.startswith(WHSEC_PREFIX):
        try:
            return base64.b64decode(secret[len(WHSEC_PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            pass  # not valid base64 after all: treat it like any typed secret
    return secret.encode()


def cal_signature(secret: str | None, body: bytes) -> str:
    if not secret:
        return NO_SECRET
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def standard_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = message_id.encode() + b"." + str(timestamp).encode() + b"." + body
    return "v1," + base64.b64encode(hmac.new(standard_key(secret), signed, hashlib.sha256).digest()).decode()


def signature_headers(secrets: list[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Headers for one attempt; ``secrets`` = the current secret first, then a still-valid old one."""
    headers = {"X-Cal-Signature-256": cal_signature(secrets[0] if secrets else None, body)}
    headers["webhook-id"] = message_id
    headers["webhook-timestamp"] = str(timestamp)
    if secrets:
        headers["webhook-signature"] = " ".join(standard_signature(s, message_id, timestamp, body) for s in secrets)
    return headers
