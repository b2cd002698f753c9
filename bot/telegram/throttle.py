"""A per-person rate limit: a flood of messages gets one polite "slow down", not a crash.

The poller asks it when an update arrives (``admit``), before any database or Telegram work,
so a flood is dropped without queueing behind the flooder's own replies; in webhook mode the
same check runs as a middleware. An update the poller admitted is not counted twice.
"""

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

Warn = Callable[[User, TelegramObject], Awaitable[None]]
ADMITTED = "throttle_admitted"  # the key in handler data for an update admitted on arrival


class Throttle(BaseMiddleware):
    """Let at most ``limit`` updates per ``per`` seconds through for each Telegram user.

    Updates over the limit are dropped (nothing is stored for them); the sender is warned once
    per window. Counted on a monotonic clock: the rate is about real arrival, not event time.
    """

    def __init__(
        self,
        *,
        limit: int,
        per: float,
        warn: Warn,
        monotonic: Callable[[], float] = time.monotonic,
        forget_after: int = 10_000,
    ) -> None:
        self.limit = limit
        self.per = per
        self.warn = warn
        self.monotonic = monotonic
        self.forget_after = forget_after
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if data.get(ADMITTED) or user is None or self._allow(user.id):
            return await handler(event, data)
        if self._warn_now(user.id):
            await self.warn(user, event)
        return None

    def admit(self, user: User) -> tuple[bool, bool]:
        """Count one update from ``user``; return (let it through, warn them now)."""
        if self._allow(user.id):
            return True, False
        return False, self._warn_now(user.id)

    def _warn_now(self, user_id: int) -> bool:
        """Tell whether a dropped update's sender is due their once-a-window warning."""
        now = self.monotonic()
        if now - self._warned.get(user_id, -self.per) < self.per:
            return False
        self._warned[user_id] = now
        return True

    def _allow(self, user_id: int) -> bool:
        now = self.monotonic()
        window = self._seen.setdefault(user_id, deque())
        while window and now - window[0] >= self.per:
            window.popleft()
        if len(window) >= self.limit:
            return False
        window.append(now)
        if len(self._seen) > self.forget_after:
            self._forget_idle(now)
        return True

    def _forget_idle(self, now: float) -> None:
        """Drop people with no recent messages, so memory stays bounded."""
        for user_id in [u for u, w in self._seen.items() if not w or now - w[-1] >= self.per]:
            self._seen.pop(user_id, None)
            self._warned.pop(user_id, None)
