"""``payloadTemplate``: Cal.com's ``{{dotted.path}}`` variables and its content-type rule, rendered safely.

Cal.com's rule: if the raw template text parses as JSON the body is ``application/json``, otherwise
``application/x-www-form-urlencoded``. Cal.com HTML-escapes values and turns a value with a quote
into the body ``false``; here a JSON template gets each value JSON-escaped (so quotes, newlines and
any unicode stay valid JSON) and a form template gets each value URL-encoded. A template that looks
like JSON (starts with ``{`` or ``[``) but does not parse is refused when it is saved — Cal.com would
silently send it form-encoded.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote_plus

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
_VARIABLE = re.compile(r"\{\{\{?\s*([A-Za-z0-9_.$-]+)\s*\}?\}\}")


class TemplateError(ValueError):
    pass


class BodyTooLarge(ValueError):
    """A body (rendered or not) over the byte limit; rendering stops as soon as it is known."""

    def __init__(self, limit: int, *, at_least: int) -> None:
        super().__init__(f"the body would be over {limit} bytes (at least {at_least})")
        self.limit = limit
        self.at_least = at_least


def content_type_of(template: str) -> str:
    try:
        json.loads(template)
    except ValueError:
        return FORM_TYPE
    return JSON_TYPE


def validate(template: str) -> None:
    """Refuse a template meant as JSON that is not valid JSON, saying where and why.

    Sizes (the template's own, its render against a large booking) are the service's checks:
    they depend on settings."""
    text = template.strip()
    if not text:
        raise TemplateError("payloadTemplate is empty")
    if text[0] in "{[":
        try:
            json.loads(template)
        except json.JSONDecodeError as exc:
            hint = (
                ' (a variable outside quotes, such as {{length}}, must be inside a string: "{{length}}")'
                if "{{" in template
                else ""
            )
            raise TemplateError(
                f"payloadTemplate is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}{hint}"
            ) from None
    # every variable renders against a sample; an error here would be ours, but check the output too
    render(template, {"triggerEvent": "PING", "createdAt": "2024-01-01T00:00:00.000Z"})


_MISSING = object()


def _find(context: dict[str, Any], path: str) -> Any:
    """The value at ``path``, or ``_MISSING`` when some step of it does not exist (see ``lookup``)."""
    value: Any = context
    for part in path.split("."):
        if isinstance(value, list):
            if not part.isdigit() or int(part) >= len(value):
                return _MISSING
            value = value[int(part)]
        elif isinstance(value, dict):
            if part not in value:
                folded = {k.lower(): k for k in value}
                if part.lower() not in folded:
                    return _MISSING
                part = folded[part.lower()]
            value = value[part]
        else:
            return _MISSING
    return value


def lookup(context: dict[str, Any], path: str) -> Any:
    """``attendees.0.name`` → the value, or None; a key that differs only in case also matches
    (Cal.com's own UI offers ``organizer.timezone`` for the payload's ``timeZone``)."""
    value = _find(context, path)
    return None if value is _MISSING else value


def unknown_variables(template: str, context: dict[str, Any]) -> tuple[str, ...]:
    """The template's variables that name nothing in ``context`` (they render empty), in order, once each."""
    names = dict.fromkeys(match.group(1) for match in _VARIABLE.finditer(template))
    return tuple(name for name in names if _find(context, name) is _MISSING)


def _as_text(value: Any) -> str:
    if value is None:
        return ""  # unknown variables render empty, as in Cal.com
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _json_value(value: Any) -> str:
    # The raw template parses as JSON, so every {{…}} sits inside a string literal: escape the
    # value as string content (json.dumps without its surrounding quotes).
    return json.dumps(_as_text(value), ensure_ascii=False)[1:-1]


def _form_value(value: Any) -> str:
    return quote_plus(_as_text(value))


def render(template: str, context: dict[str, Any], *, max_bytes: int | None = None) -> tuple[str, str]:
    """→ (body, content type). Over ``max_bytes`` (UTF-8) → ``BodyTooLarge``, raised while
    rendering: a short template repeating a long variable is never built in full."""
    content_type = content_type_of(template)
    escape = _json_value if content_type == JSON_TYPE else _form_value
    parts: list[str] = []
    size = 0
    position = 0
    for match in _VARIABLE.finditer(template):
        for piece in (template[position : match.start()], escape(lookup(context, match.group(1)))):
            parts.append(piece)
            size += len(piece.encode())
        position = match.end()
        if max_bytes is not None and size > max_bytes:
            raise BodyTooLarge(max_bytes, at_least=size)
    parts.append(template[position:])
    body = "".join(parts)
    if max_bytes is not None and len(body.encode()) > max_bytes:
        raise BodyTooLarge(max_bytes, at_least=len(body.encode()))
    if content_type == JSON_TYPE:
        json.loads(body)  # cannot fail by construction; a bug here must not send a broken body
    return body, content_type
