"""How a send can fail: for good, or for now (worth another attempt later)."""

from __future__ import annotations


class SendFailed(Exception):
    def __init__(self, reason: str, temporary: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.temporary = temporary
