"""Rate limiting for every route, on the ``limits`` library.

Counted per user across all of that user's keys (so a new or refreshed key does not open a fresh
window) or, for anonymous callers, per client IP. A key's own named limits (rate_limits rows) are
counters of their own under the same user, so keys with the same limit share one budget. Counters live in
process memory, or in Redis when ``CALAPI_REDIS_URL`` is set so that every process shares one
budget. Fixed windows: a throttled caller is let in again when the window ends; nothing is ever
locked. Both of Cal.com's header sets go on every response.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage

from calapi.core.auth import LimitSpec

log = logging.getLogger("calapi.ratelimit")


@dataclass(frozen=True)
class LimitState:
    spec: LimitSpec
    blocked: bool
    remaining: int
    reset_at: float  # epoch seconds


@dataclass(frozen=True)
class Decision:
    allowed: bool
    states: tuple[LimitState, ...]

    def headers(self, now: float) -> list[tuple[bytes, bytes]]:
        if not self.states:
            return []
        first = self.states[0]
        out = [
            (b"x-ratelimit-limit", first.spec.limit_bytes),
            (b"x-ratelimit-remaining", b"%d" % first.remaining),
            (b"x-ratelimit-reset", b"%d" % math.ceil(first.reset_at)),
        ]
        for state in self.states:
            limit_name, remaining_name, reset_name = _header_names(state.spec.name)
            out += [
                (limit_name, state.spec.limit_bytes),
                (remaining_name, b"%d" % state.remaining),
                (reset_name, b"%d" % max(0, math.ceil(state.reset_at - now))),
            ]
        if not self.allowed:
            retry = max(1, math.ceil(min(s.reset_at for s in self.states) - now))
            out.append((b"retry-after", b"%d" % retry))
        return out


@lru_cache(maxsize=256)
def _header_names(limit_name: str) -> tuple[bytes, bytes, bytes]:
    """Cal.com v2 names each header triple after its limit, first letter upper-cased."""
    name = (limit_name[:1].upper() + limit_name[1:]).encode()
    return b"x-ratelimit-limit-" + name, b"x-ratelimit-remaining-" + name, b"x-ratelimit-reset-" + name


def ip_tracker(ip: str) -> str:
    return "ip_" + hashlib.sha256(ip.encode()).hexdigest()


def user_tracker(user_id: int) -> str:
    return f"user_{user_id}"


class RateLimiter:
    def __init__(self, default: LimitSpec, redis_url: str | None = None) -> None:
        self.default = default
        self.storage: Storage
        if redis_url:
            uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
            self.storage = RedisStorage(uri, implementation="redispy", key_prefix="calapi")
        else:
            self.storage = MemoryStorage()
        self._items: dict[LimitSpec, RateLimitItem] = {}
        # When each counter's fixed window ends. It never moves within a window, so it is read
        # from the store only for windows that another process started.
        self._window_ends: dict[str, float] = {}

    def _item(self, spec: LimitSpec) -> RateLimitItem:
        item = self._items.get(spec)
        if item is None:
            item = self._items[spec] = RateLimitItemPerSecond(spec.limit, spec.window_seconds, namespace=spec.name)
        return item

    async def hit(self, tracker: str, specs: tuple[LimitSpec, ...] = ()) -> Decision:
        """Count one request against each limit; refused only when every limit is spent (Cal.com's rule)."""
        specs = specs or (self.default,)
        states = []
        try:
            for spec in specs:
                # The fixed-window strategy's own two steps, with the count kept: one round trip fewer.
                item = self._item(spec)
                key = item.key_for(tracker)
                count = await self.storage.incr(key, item.get_expiry())
                reset_at = self._window_ends.get(key, 0.0)
                if count == 1:
                    reset_at = time.time() + spec.window_seconds
                elif reset_at <= time.time():
                    # A window this process has not seen start (another process began it).
                    reset_at = await self.storage.get_expiry(key)
                self._window_ends[key] = reset_at
                blocked = count > spec.limit
                states.append(LimitState(spec, blocked, max(0, spec.limit - count), reset_at))
            if len(self._window_ends) > 50_000:
                now = time.time()
                self._window_ends = {k: v for k, v in self._window_ends.items() if v > now}
        except Exception as exc:  # a counter store that is away must not take the API down with it
            log.warning("rate-limit store unavailable (%s); letting the request through", exc.__class__.__name__)
            now = time.time()
            return Decision(True, tuple(LimitState(s, False, s.limit, now + s.window_seconds) for s in specs))
        return Decision(not all(s.blocked for s in states), tuple(states))

    async def reset(self) -> None:
        await self.storage.reset()

    async def close(self) -> None:
        if isinstance(self.storage, RedisStorage):
            try:
                await self.storage.storage.aclose()  # type: ignore[attr-defined]
            except Exception:
                pass
