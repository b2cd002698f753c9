"""The ticker: one frequent job that looks at what is due (digests, follow-ups, themes…).

APScheduler only says *when* to look (every minute); what is due is decided by the injected
clock and recorded in the database by each job (``bot.jobs.outbox`` sends the queued
messages), so a restart or a second process neither loses nor repeats anything.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)
JOB_ID = "digests"
INTERVAL = 60.0  # seconds between looks at what is due
STOP_GRACE = 10.0  # seconds a running look may take to finish when the bot stops


class Scheduler:
    """Run ``job`` every ``interval`` seconds in the running event loop (one process only)."""

    def __init__(
        self,
        *,
        job: Callable[[], Awaitable[object]],
        zone: ZoneInfo,
        interval: float = INTERVAL,
        grace: float = STOP_GRACE,
    ) -> None:
        self.job = job
        self.zone = zone
        self.interval = interval
        self.grace = grace
        self._scheduler: AsyncIOScheduler | None = None
        self._running: asyncio.Task[object] | None = None

    def start(self) -> None:
        """Add the job (at once, to catch up, then every ``interval``) and start; needs a loop."""
        # APScheduler reports every run at INFO: once a minute is noise, failures stay visible.
        logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
        scheduler = AsyncIOScheduler(timezone=self.zone, jobstores={"default": MemoryJobStore()})
        scheduler.add_job(
            self._tick,
            IntervalTrigger(seconds=self.interval, timezone=self.zone),
            id=JOB_ID,
            replace_existing=True,
            next_run_time=datetime.now(self.zone),
            max_instances=2,  # the second returns at once: no "skipped" warning while sending
            coalesce=True,
            misfire_grace_time=None,
        )
        scheduler.start()
        self._scheduler = scheduler

    async def stop(self) -> None:
        """Let a running job finish (up to ``grace`` seconds), then shut the scheduler down."""
        if self._scheduler is None:
            return
        self._scheduler.pause()
        if self._running is not None:
            await asyncio.wait({self._running}, timeout=self.grace)
        self._scheduler.shutdown(wait=False)  # cancels a job still running: its lease expires
        self._scheduler = None

    async def _tick(self) -> None:
        if self._running is not None:
            return  # the previous look is still sending; it will see what is due
        self._running = asyncio.current_task()
        try:
            await self.job()
        except Exception as error:
            log.error("scheduled job failed (%s)", type(error).__name__)
            log.debug("scheduled job failed", exc_info=True)
        finally:
            self._running = None
