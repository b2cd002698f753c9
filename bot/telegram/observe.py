"""Watch every update on its way through the dispatcher: count it, time it, tag its log lines."""

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update

from bot.health import Heartbeat
from bot.logs import UPDATE_ID
from bot.metrics import UPDATE_SECONDS, UPDATES

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateObserver:
    """An outer update middleware: metrics by kind and outcome, the heartbeat, the update id."""

    def __init__(self, heartbeat: Heartbeat) -> None:
        self.heartbeat = heartbeat

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        self.heartbeat.beat()
        UPDATE_ID.set(event.update_id)  # this task's log lines carry it
        kind = event.event_type
        started = time.perf_counter()
        outcome = "failed"
        try:
            result = await handler(event, data)
            outcome = "unhandled" if result is UNHANDLED else "handled"
            return result
        finally:
            UPDATE_SECONDS.labels(kind).observe(time.perf_counter() - started)
            UPDATES.labels(kind, outcome).inc()
