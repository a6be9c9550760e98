"""Cal.com's ``{VARIABLE}`` syntax for user-written message bodies and subjects.

A variable is written in braces and upper case: ``{EVENT_NAME}``, ``{ATTENDEE_FIRST_NAME}``, or a
date or time with a dayjs format after an underscore, ``{EVENT_DATE_ddd, MMM D, YYYY h:mma}``.
Answers to booking questions are variables too: the field's name without punctuation, spaces
as underscores, upper case (``{COMPANY_SIZE}``).

Braces that do not open with an upper-case name (``{color: red}`` in a style sheet, ``{Hello}``)
are text, as in Cal.com. ``check`` is run when a workflow is saved, so an unknown variable or a
format dayjs would print wrongly is refused then, naming it; ``render`` never fails (a variable
it does not know stays as written).

Values are escaped by the caller's ``escape`` (HTML bodies): what a booker typed never becomes
markup in someone's inbox. The template itself is the workflow owner's and is kept as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from calapi.notifications.facts import Meeting, Person

# A brace pair holding an upper-case name, optionally followed by "_<format>".
_TOKEN = re.compile(r"\{([A-Z][A-Z0-9_]*(?:_[^{}\r\n]*)?)\}")

PLAIN_VARIABLES = frozenset(
    {
        "EVENT_NAME",
        "EVENT_DATE",
        "EVENT_TIME",
        "START_TIME",
        "EVENT_END_TIME",
        "TIMEZONE",
        "LOCATION",
        "ORGANIZER",
        "ORGANIZER_NAME",
        "ATTENDEE",
        "ATTENDEE_NAME",
        "ATTENDEE_FIRST_NAME",
        "ATTENDEE_LAST_NAME",
        "ATTENDEE_EMAIL",
        "ATTENDEE_TIMEZONE",
        "ADDITIONAL_NOTES",
        "MEETING_URL",
        "CANCEL_URL",
        "RESCHEDULE_URL",
        "CANCEL_REASON",
        "RESCHEDULE_REASON",
        "RATING_URL",  # calapi has no rating page: renders empty
        "NO_SHOW_URL",  # calapi has no no-show page: renders empty
        "EVENT_START_TIME_IN_ATTENDEE_TIMEZONE",
        "EVENT_END_TIME_IN_ATTENDEE_TIMEZONE",
    }
)
# Longest first: "EVENT_START_TIME_IN_ATTENDEE_TIMEZONE_" must win over shorter prefixes.
FORMATTED_PREFIXES = (
    "EVENT_START_TIME_IN_ATTENDEE_TIMEZONE_",
    "EVENT_END_TIME_IN_ATTENDEE_TIMEZONE_",
    "EVENT_END_TIME_",
    "EVENT_DATE_",
    "EVENT_TIME_",
    "START_TIME_",
)
_END_PREFIXES = frozenset({"EVENT_END_TIME_", "EVENT_END_TIME_IN_ATTENDEE_TIMEZONE_"})
# Answers every booking carries (Cal.com's default booking fields), as variables.
DEFAULT_ANSWER_VARIABLES = frozenset(
    {"NAME", "EMAIL", "NOTES", "GUESTS", "TITLE", "RESCHEDULEREASON", "SMSREMINDERNUMBER", "ATTENDEEPHONENUMBER"}
)


def answer_variable(field_name: str) -> str:
    """A booking field's variable name, as Cal.com derives it: ``"company size?"`` → ``COMPANY_SIZE``."""
    return re.sub(r"[^a-zA-Z0-9 ]", "", field_name).strip().replace(" ", "_").upper()


# ---------------------------------------------------------------- dayjs formats

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
# dayjs's tokens (core, advancedFormat's Do/Q/k/X/x, localizedFormat's L…), longest first.
_FORMAT_TOKEN = re.compile(
    r"\[([^\]]*)\]|LTS|LT|LLLL|LLL|LL|L|llll|lll|ll|l|YYYY|YY|MMMM|MMM|MM|M|Do|DD|D|dddd|ddd|dd|d"
    r"|HH|H|hh|h|kk|k|mm|m|ss|s|SSS|A|a|ZZ|Z|X|x|Q|[A-Za-z]"
)
_KNOWN_TOKENS = frozenset(
    [
        "LTS",
        "LT",
        "LLLL",
        "LLL",
        "LL",
        "L",
        "llll",
        "lll",
        "ll",
        "l",
        "YYYY",
        "YY",
        "MMMM",
        "MMM",
        "MM",
        "M",
        "Do",
        "DD",
        "D",
        "dddd",
        "ddd",
        "dd",
        "d",
        "HH",
        "H",
        "hh",
        "h",
        "kk",
        "k",
        "mm",
        "m",
        "ss",
        "s",
        "SSS",
        "A",
        "a",
        "ZZ",
        "Z",
        "X",
        "x",
        "Q",
    ]
)
_LOCALIZED = {
    "LT": "h:mm A",
    "LTS": "h:mm:ss A",
    "L": "MM/DD/YYYY",
    "LL": "MMMM D, YYYY",
    "LLL": "MMMM D, YYYY h:mm A",
    "LLLL": "dddd, MMMM D, YYYY h:mm A",
    "l": "M/D/YYYY",
    "ll": "MMM D, YYYY",
    "lll": "MMM D, YYYY h:mm A",
    "llll": "ddd, MMM D, YYYY h:mm A",
}


def format_problem(fmt: str) -> str | None:
    """Why dayjs would not print ``fmt`` as meant (a letter that is no token), or None."""
    if not fmt.strip():
        return "the format is empty"
    for match in _FORMAT_TOKEN.finditer(fmt):
        if match.group(1) is None and match.group(0) not in _KNOWN_TOKENS:
            return f"'{match.group(0)}' is not a dayjs format token (put literal text in [brackets], such as [at])"
    return None


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _offset(value: datetime, sep: str) -> str:
    delta = value.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}{sep}{minutes % 60:02d}"


def _weekday(value: datetime) -> int:
    return (value.weekday() + 1) % 7  # dayjs: Sunday is 0


def _hour12(value: datetime) -> int:
    return value.hour % 12 or 12


_WRITERS: dict[str, Callable[[datetime], str]] = {
    "YYYY": lambda v: f"{v.year:04d}",
    "YY": lambda v: f"{v.year % 100:02d}",
    "MMMM": lambda v: _MONTHS[v.month - 1],
    "MMM": lambda v: _MONTHS[v.month - 1][:3],
    "MM": lambda v: f"{v.month:02d}",
    "M": lambda v: str(v.month),
    "Do": lambda v: _ordinal(v.day),
    "DD": lambda v: f"{v.day:02d}",
    "D": lambda v: str(v.day),
    "dddd": lambda v: _WEEKDAYS[_weekday(v)],
    "ddd": lambda v: _WEEKDAYS[_weekday(v)][:3],
    "dd": lambda v: _WEEKDAYS[_weekday(v)][:2],
    "d": lambda v: str(_weekday(v)),
    "HH": lambda v: f"{v.hour:02d}",
    "H": lambda v: str(v.hour),
    "hh": lambda v: f"{_hour12(v):02d}",
    "h": lambda v: str(_hour12(v)),
    "kk": lambda v: f"{v.hour or 24:02d}",
    "k": lambda v: str(v.hour or 24),
    "mm": lambda v: f"{v.minute:02d}",
    "m": lambda v: str(v.minute),
    "ss": lambda v: f"{v.second:02d}",
    "s": lambda v: str(v.second),
    "SSS": lambda v: f"{v.microsecond // 1000:03d}",
    "A": lambda v: "AM" if v.hour < 12 else "PM",
    "a": lambda v: "am" if v.hour < 12 else "pm",
    "ZZ": lambda v: _offset(v, ""),
    "Z": lambda v: _offset(v, ":"),
    "X": lambda v: str(int(v.timestamp())),
    "x": lambda v: str(int(v.timestamp() * 1000)),
    "Q": lambda v: str((v.month - 1) // 3 + 1),
}


def format_dayjs(value: datetime, fmt: str) -> str:
    """``value`` (already in the zone to show) written with a dayjs format, in English."""

    def token(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(1)
        t = match.group(0)
        if t in _LOCALIZED:
            return format_dayjs(value, _LOCALIZED[t])
        write = _WRITERS.get(t)
        return write(value) if write is not None else t

    return _FORMAT_TOKEN.sub(token, fmt)


# ---------------------------------------------------------------- checking a template


@dataclass(frozen=True)
class VariableProblem:
    variable: str  # as written, braces included
    reason: str


def check(text: str, answer_variables: Iterable[str] = ()) -> list[VariableProblem]:
    """Every variable in ``text`` that would not render: unknown names, bad date formats."""
    answers = DEFAULT_ANSWER_VARIABLES | frozenset(answer_variables)
    problems: list[VariableProblem] = []
    for match in _TOKEN.finditer(text):
        name = match.group(1)
        if name in PLAIN_VARIABLES or name in answers:
            continue
        prefix = next((p for p in FORMATTED_PREFIXES if name.startswith(p)), None)
        if prefix is not None:
            problem = format_problem(name[len(prefix) :])
            if problem is not None:
                problems.append(VariableProblem(match.group(0), f"bad date format: {problem}"))
            continue
        problems.append(VariableProblem(match.group(0), "unknown variable"))
    return problems


# ---------------------------------------------------------------- rendering


def _answer_text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("optionValue") or value.get("value") or "")
    if isinstance(value, list):
        return ", ".join(_answer_text(v) for v in value)
    if value is None or value is False:
        return ""
    return str(value)


def _local(value: datetime, zone: str) -> datetime:
    try:
        return value.astimezone(ZoneInfo(zone))
    except (KeyError, ValueError):
        return value


def values_for(meeting: Meeting, *, attendee: Person | None, zone: str, time_format: int) -> dict[str, str]:
    """The plain variables for one recipient: times in ``zone``, ``attendee`` as the one addressed
    (the first attendee when the recipient is not one)."""
    start, end = _local(meeting.start, zone), _local(meeting.end, zone)
    clock = "h:mma" if time_format == 12 else "HH:mm"
    person = attendee or (meeting.attendees[0] if meeting.attendees else None)
    words = person.name.strip().split() if person else []
    attendee_zone = person.time_zone if person else zone
    organizer = meeting.organizer.name
    return {
        "EVENT_NAME": meeting.title,
        "EVENT_DATE": format_dayjs(start, "dddd, MMMM D, YYYY"),
        "EVENT_TIME": format_dayjs(start, clock),
        "START_TIME": format_dayjs(start, clock),
        "EVENT_END_TIME": format_dayjs(end, clock),
        "TIMEZONE": zone,
        "LOCATION": meeting.location or "",
        "ORGANIZER": organizer,
        "ORGANIZER_NAME": organizer,
        "ATTENDEE": person.name if person else "",
        "ATTENDEE_NAME": person.name if person else "",
        "ATTENDEE_FIRST_NAME": words[0] if words else "",
        "ATTENDEE_LAST_NAME": words[-1] if len(words) > 1 else "",
        "ATTENDEE_EMAIL": person.email if person else "",
        "ATTENDEE_TIMEZONE": attendee_zone,
        "ADDITIONAL_NOTES": meeting.additional_notes or "",
        "MEETING_URL": meeting.meeting_url or "",
        "CANCEL_URL": meeting.cancel_url or "",
        "RESCHEDULE_URL": meeting.reschedule_url or "",
        "CANCEL_REASON": meeting.cancellation_reason or "",
        "RESCHEDULE_REASON": meeting.reschedule_reason or "",
        "RATING_URL": "",
        "NO_SHOW_URL": "",
        "EVENT_START_TIME_IN_ATTENDEE_TIMEZONE": format_dayjs(_local(meeting.start, attendee_zone), "h:mma"),
        "EVENT_END_TIME_IN_ATTENDEE_TIMEZONE": format_dayjs(_local(meeting.end, attendee_zone), "h:mma"),
    }


def render(
    text: str,
    meeting: Meeting,
    *,
    attendee: Person | None,
    zone: str,
    time_format: int = 12,
    escape: Callable[[str], str] = str,
) -> str:
    """``text`` with every variable replaced by its value for this recipient, each value passed
    through ``escape``; a variable it does not know stays as written."""
    plain = values_for(meeting, attendee=attendee, zone=zone, time_format=time_format)
    answers: Mapping[str, Any] = {answer_variable(k): v for k, v in meeting.responses.items()}
    attendee_zone = plain["ATTENDEE_TIMEZONE"]

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in plain:
            return escape(plain[name])
        prefix = next((p for p in FORMATTED_PREFIXES if name.startswith(p)), None)
        if prefix is not None:
            fmt = name[len(prefix) :]
            moment = meeting.end if prefix in _END_PREFIXES else meeting.start
            shown_in = attendee_zone if prefix.endswith("_IN_ATTENDEE_TIMEZONE_") else zone
            return escape(format_dayjs(_local(moment, shown_in), fmt))
        if name in answers:
            return escape(_answer_text(answers[name]))
        return match.group(0)

    return _TOKEN.sub(replace, text)
