"""Whether this process is ready to serve: the database, its schema, Telegram and the scheduler."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from sqlalchemy import Engine

from storage.engine import head_revision
from storage.leadership import probe

log = logging.getLogger(__name__)
# getUpdates answers at least every 25 s (its long-poll timeout); a webhook is checked every 30.
SILENCE_LIMIT = 90.0
DATABASE_TIMEOUT = 1.0
WEBHOOK_CHECK_EVERY = 30.0


class Heartbeat:
    """When this process last heard from Telegram: polled, received an update, or checked."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self._last: float | None = None

    def beat(self) -> None:
        """Note that Telegram answered just now."""
        self._last = self.monotonic()

    def silence(self) -> float | None:
        """Return the seconds since Telegram last answered, or None if it never did."""
        return None if self._last is None else self.monotonic() - self._last


@dataclass(frozen=True, slots=True)
class Verdict:
    """Each check's result ("ok" or what is wrong) and whether all passed."""

    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        """Tell whether every check passed."""
        return all(result == "ok" for result in self.checks.values())


class Readiness:
    """Check, within about a second, what this process needs to do its work."""

    def __init__(
        self,
        engine: Engine,
        heartbeat: Heartbeat,
        *,
        silence_limit: float = SILENCE_LIMIT,
        timeout: float = DATABASE_TIMEOUT,
    ) -> None:
        self.engine = engine
        self.heartbeat = heartbeat
        self.silence_limit = silence_limit
        self.timeout = timeout
        self._probe: asyncio.Future[tuple[str | None, bool]] | None = None

    async def check(self) -> Verdict:
        """Run every check; a failed one says what is wrong, never what residents wrote."""
        checks = {"database": "ok", "migrations": "ok", "telegram": "ok", "scheduler": "ok"}
        try:
            revision, leader = await self._database()
        except TimeoutError:
            checks["database"] = f"the database did not answer within {self.timeout:g} s"
            revision, leader = None, False
        except Exception as error:
            checks["database"] = f"the database does not answer ({type(error).__name__})"
            revision, leader = None, False
        if checks["database"] == "ok":
            head = head_revision()
            if revision != head:
                checks["migrations"] = f"schema at {revision or 'nothing'}, code needs {head}"
            if not leader:
                checks["scheduler"] = "no process holds the scheduler lock"
        else:
            checks["migrations"] = checks["scheduler"] = "unknown: no database"
        checks["telegram"] = self._telegram()
        return Verdict(checks)

    async def _database(self) -> tuple[str | None, bool]:
        # One probe at a time: a hung database must not gather a thread per request.
        if self._probe is None or self._probe.done():
            self._probe = asyncio.ensure_future(asyncio.to_thread(probe, self.engine))
            self._probe.add_done_callback(_retrieve)  # an answer after the timeout is dropped
        return await asyncio.wait_for(asyncio.shield(self._probe), self.timeout)

    def _telegram(self) -> str:
        silence = self.heartbeat.silence()
        if silence is None:
            return "no answer from Telegram yet"
        if silence > self.silence_limit:
            return f"no answer from Telegram for {silence:.0f} s"
        return "ok"


def _retrieve(future: "asyncio.Future[Any]") -> None:
    if not future.cancelled():
        future.exception()


async def watch_webhook(bot: Bot, url: str, heartbeat: Heartbeat, every: float) -> None:
    """Ask Telegram every ``every`` s whether our webhook is still set; beat when it is."""
    while True:
        with contextlib.suppress(Exception):  # Telegram unreachable: the silence shows it
            info = await bot.get_webhook_info()
            if info.url == url:
                heartbeat.beat()
            else:
                log.warning("Telegram's webhook is not WEBHOOK_URL any more")
        await asyncio.sleep(every)
