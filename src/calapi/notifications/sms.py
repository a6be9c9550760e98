"""SMS through a provider: an interface, and a Twilio-compatible implementation (its Messages API).

Twilio's Messages API: ``POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with a form
body (``To``, ``From`` or ``MessagingServiceSid``, ``Body``) and HTTP basic auth (account SID and
auth token); it answers 201 with the message as JSON, its ``sid`` first among them. Every request
carries the message's stable id as an idempotency key, so a provider that honours it drops the
second copy of a retry after a crash.
"""

from __future__ import annotations

import re
from typing import Protocol

import httpx

from calapi.notifications.errors import SendFailed

PHONE_NUMBER = re.compile(r"^\+[1-9]\d{6,14}$")
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"


def normalize_phone(raw: str) -> str | None:
    """An international number (``+<country code><number>``) without spaces or punctuation; None if it is not one."""
    compact = re.sub(r"[\s().-]", "", raw or "")
    return compact if PHONE_NUMBER.match(compact) else None


class SmsProvider(Protocol):
    async def send(self, *, to: str, body: str, idempotency_key: str) -> str:
        """Send one text; the provider's id for it. Raises ``SendFailed``."""
        ...


class TwilioSms:
    """Any server speaking Twilio's Messages API (Twilio itself, or a compatible gateway)."""

    def __init__(self, *, base_url: str, account_sid: str, auth_token: str, sender: str, timeout: float) -> None:
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.auth = (account_sid, auth_token)
        self.sender = sender
        self.timeout = timeout

    async def send(self, *, to: str, body: str, idempotency_key: str) -> str:
        # A messaging service id (MG…) picks the sending number itself; anything else is the number.
        sender_field = "MessagingServiceSid" if self.sender.startswith("MG") else "From"
        form = {"To": to, sender_field: self.sender, "Body": body}
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(
                    self.url, data=form, auth=self.auth, headers={IDEMPOTENCY_HEADER: idempotency_key}
                )
        except httpx.HTTPError as exc:
            raise SendFailed(f"{exc.__class__.__name__}: {exc}"[:500], True) from None
        if response.status_code in (200, 201):
            try:
                sid = response.json().get("sid")
            except ValueError:
                sid = None
            if not isinstance(sid, str) or not sid:
                raise SendFailed("the provider answered without a message sid", True)
            return sid[:255]
        detail = response.text[:300]
        try:
            answer = response.json()
            detail = f"{answer.get('code', '')} {answer.get('message', '')}".strip() or detail
        except ValueError:
            pass
        # 429 and 5xx may pass; any other 4xx (a bad number, a bad sender, bad credentials) will not.
        temporary = response.status_code == 429 or response.status_code >= 500
        raise SendFailed(f"SMS provider answered {response.status_code}: {detail}"[:500], temporary)


def provider_from(
    *, base_url: str, account_sid: str | None, auth_token: str | None, sender: str | None, timeout: float
) -> SmsProvider | None:
    """The configured provider; None when any of account, token and sender is missing."""
    if not (account_sid and auth_token and sender):
        return None
    return TwilioSms(base_url=base_url, account_sid=account_sid, auth_token=auth_token, sender=sender, timeout=timeout)
