"""Typed input of the domains: what a partial update (PATCH) says it changes.

A service takes a command (a frozen dataclass with the domain's snake_case names), never a wire
body. Each API version's router builds the command from its own request schema, so one service
serves every version. A partial update names the fields the client gave in ``sent``: a field left
out stays as stored, and the service never has to guess that from ``None``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Self


@dataclass(frozen=True, kw_only=True)
class Changes:
    """Base of a partial update; subclasses declare the fields (each defaulting to ``None``)."""

    sent: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = self.sent - {field.name for field in dataclasses.fields(self)} - {"sent"}
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)}")

    @classmethod
    def of(cls, **values: Any) -> Self:
        """The command that gives exactly ``values``."""
        return cls(**values, sent=frozenset(values))

    def given(self, name: str) -> bool:
        return name in self.sent

    def values(self) -> dict[str, Any]:
        """The given fields and their values, in declaration order."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self) if field.name in self.sent}

    def plus(self, **values: Any) -> Self:
        """The same command giving ``values`` too."""
        return dataclasses.replace(self, **values, sent=self.sent | frozenset(values))

    def without(self, *names: str) -> Self:
        """The same command no longer giving ``names``."""
        return dataclasses.replace(self, **dict.fromkeys(names), sent=self.sent - frozenset(names))
