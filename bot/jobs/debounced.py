"""A job run soon after it is asked for, once for however many asks came meanwhile."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[object]]


def job_name(job: Job) -> str:
    """Return a job's name for the log."""
    return getattr(job, "__qualname__", type(job).__name__)


class Debounced:
    """Run a job after each kick, once at a time: kicks during a run cause one more run after it.

    A run starts ``delay`` seconds after the kick that asks for it, so a burst of kicks (many
    residents saving problems at once) makes one run, not one each. Built before the job exists
    (a service kicks it, the runner serves it), so nothing is patched in after construction.
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self._kicked = asyncio.Event()

    def kick(self) -> None:
        """Ask for a run (from inside the event loop)."""
        self._kicked.set()

    async def serve(self, job: Job, *, when: Callable[[], bool]) -> None:
        """Run ``job`` after each kick while ``when()`` holds, until cancelled."""
        while True:
            await self._kicked.wait()
            if self.delay > 0:
                await asyncio.sleep(self.delay)  # kicks meanwhile are served by this run
            self._kicked.clear()
            if not when():
                continue
            try:
                await job()
            except Exception as error:
                log.error("%s failed (%s)", job_name(job), type(error).__name__)
