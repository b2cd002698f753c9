"""Several webhook worker processes on one port (``innspill run --workers N``).

Each worker is a whole bot: it answers the webhook requests the kernel hands it (the listening
sockets share the port with SO_REUSEPORT), and every update is applied once whichever worker
gets it, because its id is claimed in the database and a resident's row is locked while their
update is applied. Exactly one worker runs the scheduler (a PostgreSQL advisory lock); when it
dies, another takes over at its next look. A worker that dies is started again.
"""

import asyncio
import logging
import multiprocessing
import signal
import time
from multiprocessing.process import BaseProcess
from typing import Protocol

from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)
RESTART_DELAY = 5.0  # seconds before a dead worker is replaced (a crash loop stays slow)
CHECK_EVERY = 0.5


def check_workers(settings: Settings, count: int) -> None:
    """Refuse a worker count the deployment cannot support, naming the setting at fault."""
    if count < 1:
        raise SettingsError("--workers: must be at least 1")
    if count == 1:
        return
    if not settings.webhook_url:
        raise SettingsError("--workers: several workers need WEBHOOK_URL (polling is one process)")
    if not settings.database_url.startswith(("postgresql", "postgres")):
        raise SettingsError(
            "--workers: SQLite serves one process only; set DATABASE_URL to PostgreSQL "
            "to run several workers"
        )


def run_workers(count: int) -> int:
    """Start ``count`` workers, replace any that dies, stop them all on SIGTERM or Ctrl-C."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no shared loop or pool
    workers: dict[int, BaseProcess] = {n: _start(context, n) for n in range(count)}
    dead_since: dict[int, float] = {}
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        time.sleep(CHECK_EVERY)
        for number, worker in list(workers.items()):
            if worker.is_alive():
                continue
            first_seen = dead_since.setdefault(number, time.monotonic())
            if time.monotonic() - first_seen >= RESTART_DELAY:
                log.error(
                    "worker %d stopped (exit code %s); starting it again", number, worker.exitcode
                )
                workers[number] = _start(context, number)
                dead_since.pop(number)
    for worker in workers.values():
        if worker.is_alive():
            worker.terminate()  # SIGTERM: each worker stops serving and closes cleanly
    for worker in workers.values():
        worker.join(timeout=15)
    return 0


def _start(context: multiprocessing.context.SpawnContext, number: int) -> BaseProcess:
    process = context.Process(target=_worker, name=f"innspill-worker-{number}", daemon=False)
    process.start()
    return process


def _worker() -> None:
    """Run one bot in this process until SIGTERM."""
    from bot.telegram.models import import_aiogram

    import_aiogram()  # before anything else imports it: validators built on first use
    from bot.app import TelegramRunner, build_core
    from bot.logs import configure_logging
    from bot.malloc import limit_arenas
    from bot.settings import load_settings

    limit_arenas()  # before any thread allocates
    settings = load_settings()
    json_lines = settings.log_format == "json"
    configure_logging(settings.log_level, settings.secrets(), json_lines=json_lines)
    runner = TelegramRunner(build_core(settings))
    asyncio.run(serve(runner))


class Runner(Protocol):
    """What ``serve`` needs of a runner (``bot.app.TelegramRunner``)."""

    async def run(self) -> None: ...

    async def stop(self) -> None: ...


async def serve(runner: Runner) -> None:
    """Run ``runner`` until SIGTERM or SIGINT, then stop it cleanly."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, lambda: asyncio.ensure_future(runner.stop()))
    await runner.run()
