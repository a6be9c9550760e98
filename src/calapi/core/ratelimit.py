"""Rate limiting for every route, on the ``limits`` library.

Counted per user across all of that user's keys (so a new or refreshed key does not open a fresh
window) or, for anonymous callers, per client IP. A key's own named limits (rate_limits rows) are
counters of their own under the same user, so keys with the same limit share one budget. Counters live in
process memory, or in Redis when ``CALAPI_REDIS_URL`` is set so that every process shares one
budget (all of a request's limits in one round trip). Fixed windows: a throttled caller is let in again when the window ends; nothing is ever
locked. Both of Cal.com's header sets go on every response.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

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


# Redis: every limit of a request counted in one round trip. Per key: count the request, start the
# fixed window on its first one, and answer the count with the milliseconds left in the window.
_COUNT_SCRIPT = """
local answer = {}
for i, key in ipairs(KEYS) do
    local count = redis.call("INCR", key)
    if count == 1 then
        redis.call("EXPIRE", key, ARGV[i])
    end
    answer[2 * i - 1] = count
    answer[2 * i] = redis.call("PTTL", key)
end
return answer
"""


class RateLimiter:
    def __init__(self, default: LimitSpec, redis_url: str | None = None) -> None:
        self.default = default
        self.storage: Storage
        self._redis: Any = None  # the Redis client, when counters are shared
        self._count_script: Any = None
        if redis_url:
            uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
            redis_storage = RedisStorage(uri, implementation="redispy", key_prefix="calapi")
            self.storage = redis_storage
            # The storage's own connection and key names (``reset`` clears them by prefix); the
            # connection is the redis-py bridge's, which the abstract bridge type does not show.
            bridge: Any = redis_storage.bridge
            self._prefixed_key: Callable[[str], str] = bridge.prefixed_key
            self._redis = bridge.get_connection()
            self._count_script = self._redis.register_script(_COUNT_SCRIPT)
        else:
            self.storage = MemoryStorage()
        self._items: dict[LimitSpec, RateLimitItem] = {}
        # In memory: when each counter's fixed window ends. It never moves within a window, so it is
        # kept here rather than read from the store on every request.
        self._window_ends: dict[str, float] = {}

    def _item(self, spec: LimitSpec) -> RateLimitItem:
        item = self._items.get(spec)
        if item is None:
            item = self._items[spec] = RateLimitItemPerSecond(spec.limit, spec.window_seconds, namespace=spec.name)
        return item

    async def _count_in_redis(self, keys: list[str], specs: tuple[LimitSpec, ...]) -> list[tuple[int, float]]:
        prefixed = [self._prefixed_key(key) for key in keys]
        answer = await self._count_script(keys=prefixed, args=[spec.window_seconds for spec in specs])
        now = time.time()
        return [(int(answer[2 * i]), now + max(int(answer[2 * i + 1]), 0) / 1000) for i in range(len(keys))]

    async def _count_in_memory(self, keys: list[str], specs: tuple[LimitSpec, ...]) -> list[tuple[int, float]]:
        counted = []
        for key, spec in zip(keys, specs, strict=True):
            count = await self.storage.incr(key, spec.window_seconds)
            reset_at = self._window_ends.get(key, 0.0)
            if count == 1:
                reset_at = time.time() + spec.window_seconds
            elif reset_at <= time.time():
                reset_at = await self.storage.get_expiry(key)
            self._window_ends[key] = reset_at
            counted.append((count, reset_at))
        if len(self._window_ends) > 50_000:
            now = time.time()
            self._window_ends = {k: v for k, v in self._window_ends.items() if v > now}
        return counted

    async def hit(self, tracker: str, specs: tuple[LimitSpec, ...] = ()) -> Decision:
        """Count one request against each limit; refused only when every limit is spent (Cal.com's rule)."""
        specs = specs or (self.default,)
        keys = [self._item(spec).key_for(tracker) for spec in specs]
        try:
            if self._redis is not None:
                counted = await self._count_in_redis(keys, specs)
            else:
                counted = await self._count_in_memory(keys, specs)
        except Exception as exc:  # a counter store that is away must not take the API down with it
            log.warning("rate-limit store unavailable (%s); letting the request through", exc.__class__.__name__)
            now = time.time()
            return Decision(True, tuple(LimitState(s, False, s.limit, now + s.window_seconds) for s in specs))
        states = tuple(
            LimitState(spec, count > spec.limit, max(0, spec.limit - count), reset_at)
            for spec, (count, reset_at) in zip(specs, counted, strict=True)
        )
        return Decision(not all(s.blocked for s in states), states)

    async def reset(self) -> None:
        await self.storage.reset()
        self._window_ends.clear()

    async def close(self) -> None:
        if self._redis is not None:
            try:
                await self._redis.aclose()
            except Exception:
                pass
