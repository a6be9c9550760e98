"""Rate limiting for every route, on the ``limits`` library.

Counted per API key (its hash) or, for anonymous callers, per client IP. Counters live in
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

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

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
            (b"x-ratelimit-limit", str(first.spec.limit).encode()),
            (b"x-ratelimit-remaining", str(first.remaining).encode()),
            (b"x-ratelimit-reset", str(math.ceil(first.reset_at)).encode()),
        ]
        for state in self.states:
            name = state.spec.name[:1].upper() + state.spec.name[1:]
            seconds = max(0, math.ceil(state.reset_at - now))
            out += [
                (f"x-ratelimit-limit-{name}".encode(), str(state.spec.limit).encode()),
                (f"x-ratelimit-remaining-{name}".encode(), str(state.remaining).encode()),
                (f"x-ratelimit-reset-{name}".encode(), str(seconds).encode()),
            ]
        if not self.allowed:
            retry = max(1, math.ceil(min(s.reset_at for s in self.states) - now))
            out.append((b"retry-after", str(retry).encode()))
        return out


def ip_tracker(ip: str) -> str:
    return "ip_" + hashlib.sha256(ip.encode()).hexdigest()


def key_tracker(hashed_key: str) -> str:
    return "api_key_" + hashed_key


class RateLimiter:
    def __init__(self, default: LimitSpec, redis_url: str | None = None) -> None:
        self.default = default
        self.storage: Storage
        if redis_url:
            uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
            self.storage = RedisStorage(uri, implementation="redispy", key_prefix="calapi")
        else:
            self.storage = MemoryStorage()
        self.strategy = FixedWindowRateLimiter(self.storage)
        self._items: dict[LimitSpec, RateLimitItem] = {}

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
                item = self._item(spec)
                allowed = await self.strategy.hit(item, tracker)
                stats = await self.strategy.get_window_stats(item, tracker)
                states.append(LimitState(spec, not allowed, 0 if not allowed else stats.remaining, stats.reset_time))
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
                await self.storage.storage.aclose()  # type: ignore[union-attr]
            except Exception:
                pass
