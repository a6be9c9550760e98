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
# separator. Names are compared decoded (``apiKe%79`` is ``apiKey`` to the query parser). The
# separators and ``=`` count percent-encoded too (``?x=%26apiKey%3D<key>``): calapi reads that as
# one parameter ``x``, but the key is in the line all the same, one decoding away for whoever or
# whatever reads the log.
_ENCODED_LEAD = r"%(?:26|3[bBfF])"  # & ; ?
_ENCODED_EQUALS = r"%3[dD]"
_PAIR = re.compile(
    rf"(?P<lead>[?&;]|{_ENCODED_LEAD})"
    rf"(?P<name>(?:(?!{_ENCODED_LEAD}|{_ENCODED_EQUALS})[^=&;#\s\"'?])+)"
    rf"(?P<equals>=|{_ENCODED_EQUALS})"
    rf"(?P<value>(?:(?!{_ENCODED_LEAD})[^&;#\s\"'])*)"
)
# Encodings inside encodings (``%2526`` is ``%26`` once decoded) are decoded this many times at most.
_MAX_DECODINGS = 8


def _is_secret(name: str) -> bool:
    return unquote_plus(name).lower() in SECRET_PARAMETERS


def _hides_secret(name: str, value: str, decodings: int) -> bool:
    """Whether the pair, decoded once more, holds a credential-carrying pair of its own."""
    pair = f"{name}={value}"
    if "%" not in pair or decodings >= _MAX_DECODINGS:
        return False
    decoded = unquote_plus(pair)
    return decoded != pair and _redacted("?" + decoded, decodings + 1) != "?" + decoded


def _redacted(text: str, decodings: int) -> str:
    def pair(match: re.Match[str]) -> str:
        name, value = match["name"], match["value"]
        if value and (_is_secret(name) or _hides_secret(name, value, decodings)):
            return f"{match['lead']}{name}{match['equals']}{REDACTED}"
        return match[0]

    return _PAIR.sub(pair, text)


# A one-time sign-in link carries its token in the path (``/sign-in/link/<token>``).
SIGN_IN_LINK_PATH = "/sign-in/link/"
_LINK_TOKEN = re.compile(re.escape(SIGN_IN_LINK_PATH) + r"[^/?#\s\"']+")


def redact_text(text: str) -> str:
    """``text`` with the value of every credential-carrying query parameter replaced, and the
    token of every sign-in link."""
    if SIGN_IN_LINK_PATH in text:
        text = _LINK_TOKEN.sub(SIGN_IN_LINK_PATH + REDACTED, text)
    if "=" not in text and "%3D" not in text and "%3d" not in text:
        return text  # no pair to look at (most log lines, and every log format string)
    return _redacted(text, 0)


def redact_query_string(query: str) -> str:
    """A raw query string (without ``?``) with credential values replaced."""
    return redact_text("?" + query)[1:] if query else query
