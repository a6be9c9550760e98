"""Credentials out of anything calapi echoes or logs: query strings, URLs and exception texts."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

REDACTED = "REDACTED"

# Query parameters that carry a credential. v1 reads ``apiKey``; the others are common spellings a
# client may send by mistake, and a credential sent by mistake is still a credential.
SECRET_PARAMETERS = frozenset({"apikey", "api_key", "access_token", "token", "secret"})

# ``name=value`` pairs inside a URL or a log line: a name after ``?``, ``&`` or ``;`` (a separator
# some clients still write, though calapi's parser does not split on it), its value up to the next
# separator. Names are compared decoded (``apiKe%79`` is ``apiKey`` to the query parser).
_PAIR = re.compile(r"(?P<lead>[?&;])(?P<name>[^=&;#\s\"'?]+)=(?P<value>[^&;#\s\"']*)")


def _redact_pair(match: re.Match[str]) -> str:
    if unquote_plus(match["name"]).lower() not in SECRET_PARAMETERS or not match["value"]:
        return match[0]
    return f"{match['lead']}{match['name']}={REDACTED}"


def redact_text(text: str) -> str:
    """``text`` with the value of every credential-carrying query parameter replaced."""
    if "=" not in text:
        return text
    return _PAIR.sub(_redact_pair, text)


def redact_query_string(query: str) -> str:
    """A raw query string (without ``?``) with credential values replaced."""
    return redact_text("?" + query)[1:] if query else query
