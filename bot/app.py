"""The composition root: build settings, storage, interview, bot and dispatcher, and run them."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.content_files import load_content, load_staff_texts
from bot.jobs.digests import DigestOutbox
from bot.jobs.followups import FollowUps
from bot.jobs.housekeeping import Housekeeping
from bot.jobs.themes import ThemeAssigner
from bot.jobs.ticker import Scheduler
from bot.services.conversation import Conversations
from bot.services.digests import DigestBuilder
from bot.settings import Settings, SettingsError
from bot.telegram.delivery import Delivery, Pacer
from bot.telegram.polling import Poller
from bot.telegram.router import Notices, make_router, publish_commands, slow_down_warning
from bot.telegram.staff import make_staff_router
from bot.telegram.throttle import Throttle
from bot.telegram.workshops import make_workshop_router
from flows.content import Content
from flows.language import warm_up
from flows.staff_texts import StaffTexts
from storage import queries
from storage.database import Database
from storage.engine import Leadership, make_engine, upgrade_database

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
Job = Callable[[], Awaitable[object]]
# A person may send this many messages or button presses per window; more are dropped.
THROTTLE_LIMIT = 20
THROTTLE_SECONDS = 30.0


def utc_now() -> datetime:
    """Return the current time, timezone-aware in UTC (the only real clock)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Core:
    """What every command needs: settings, an upgraded database, the content, conversations."""

    settings: Settings
    db: Database
    content: Content
    staff_texts: StaffTexts
    conversations: Conversations


def build_core(settings: Settings, *, clock: Clock = utc_now, source: str = "telegram") -> Core:
    """Load the interview file, open and migrate the database, wire the conversations."""
    content = load_content(settings.interview_file)
    if settings.default_language not in content.languages:
        offered = ", ".join(content.languages)
        raise SettingsError(
            f"DEFAULT_LANGUAGE: {settings.default_language!r} is not offered by "
            f"{content.path} (languages: {offered})"
        )
    warm_up()  # load the language profiles once, before residents (and threads) need them
    engine = make_engine(settings.database_url)
    upgrade_database(engine)
    db = Database(engine)
    if settings.admin_ids:
        db.call(queries.ensure_admins, telegram_ids=settings.admin_ids, now=clock())
    conversations = Conversations(
        db=db,
        content=content,
        default_language=settings.default_language,
        clock=clock,
        source=source,
    )
    return Core(settings, db, content, load_staff_texts(), conversations)


def make_bot(settings: Settings) -> Bot:
    """Build the aiogram Bot, pointed at TELEGRAM_API_URL."""
    if settings.bot_token is None:
        raise SettingsError("BOT_TOKEN: not set")
    api = TelegramAPIServer.from_base(settings.telegram_api_url)
    return Bot(settings.bot_token.get_secret_value(), session=AiohttpSession(api=api))


class TelegramRunner:
    """Run the bot by long polling, or as a webhook server when WEBHOOK_URL is set."""

    def __init__(
        self, core: Core, *, digest_every: float | None = None, pacer: Pacer | None = None
    ) -> None:
        self.core = core
        self.bot = make_bot(core.settings)
        self.delivery = Delivery(self.bot, pacer=pacer)  # one pacer for every send
        self.leadership = Leadership(core.db.engine)
        self.dispatcher = Dispatcher(events_isolation=SimpleEventIsolation())
        key = core.settings.pseudonym_key()
        notices = Notices(core.content, core.settings.default_language)
        throttle = Throttle(
            limit=THROTTLE_LIMIT,
            per=THROTTLE_SECONDS,
            warn=slow_down_warning(self.delivery, notices, core.conversations, key),
        )
        self.dispatcher.message.outer_middleware(throttle)
        self.dispatcher.callback_query.outer_middleware(throttle)
        builder = DigestBuilder(
            db=core.db,
            content=core.content,
            texts=core.staff_texts,
            zone=core.settings.zone,
            weights=core.settings.priority_weights,
        )
        every = digest_every or core.settings.scheduler_seconds
        self.scheduler = self._scheduler(builder, every)
        self.dispatcher.include_router(self._staff_router(builder))  # before the interview
        self.dispatcher.include_router(self._workshop_router())  # before the interview
        self.dispatcher.include_router(
            make_router(conversations=core.conversations, delivery=self.delivery, key=key)
        )
        self.poller = Poller(self.bot, self.dispatcher)
        self._web: web.AppRunner | None = None
        self._stopped = asyncio.Event()

    def _scheduler(self, builder: DigestBuilder, every: float) -> Scheduler:
        """Build the scheduler that records and sends the staff digests every ``every`` s."""
        settings = self.core.settings
        outbox = DigestOutbox(
            builder=builder,
            delivery=self.delivery,
            clock=self.core.conversations.clock,
            digest_time=settings.digest_time,
        )
        housekeeping = Housekeeping(
            db=self.core.db,
            clock=self.core.conversations.clock,
            retention=timedelta(days=settings.retention_days),
        )
        followups = FollowUps(
            db=self.core.db,
            content=self.core.content,
            delivery=self.delivery,
            clock=self.core.conversations.clock,
            zone=settings.zone,
            default_language=settings.default_language,
        )
        self.themes = ThemeAssigner(self.core.db.engine, clock=self.core.conversations.clock)
        self._assign_now = Debounced(self.themes.run)
        self.core.conversations.on_saved = self._theme_soon
        # Themes first, so the digests sent in the same look already see them.
        self.jobs: list[Job] = [self.themes.run, outbox.run, housekeeping.run, followups.send_due]
        return Scheduler(job=self._lead, zone=settings.zone, interval=every)

    def _theme_soon(self) -> None:
        """Give a saved problem its theme now if this process leads, not a look later."""
        if self.leadership.held:
            self._assign_now.kick()

    async def _lead(self) -> None:
        """Run the scheduled jobs if this process leads; otherwise try to take over."""
        if not await asyncio.to_thread(self.leadership.acquire):
            return
        for job in self.jobs:
            try:
                await job()
            except Exception as error:  # one failing job must not starve the others
                log.error("scheduled job %s failed (%s)", _name(job), type(error).__name__)
                log.debug("scheduled job failed", exc_info=True)

    def _workshop_router(self) -> Router:
        return make_workshop_router(
            db=self.core.db,
            content=self.core.content,
            texts=self.core.staff_texts,
            delivery=self.delivery,
            clock=self.core.conversations.clock,
            zone=self.core.settings.zone,
        )

    def _staff_router(self, builder: DigestBuilder) -> Router:
        return make_staff_router(
            db=self.core.db,
            builder=builder,
            delivery=self.delivery,
            clock=self.core.conversations.clock,
            digest_time=self.core.settings.digest_time,
        )

    async def run(self) -> None:
        """Serve until ``stop()``; stop the scheduler and close the bot session on the way out."""
        try:
            self.scheduler.start()  # inside the running loop, as APScheduler needs
            await publish_commands(self.bot, self.delivery, self.core.content)
            if self.core.settings.webhook_url:
                await self._serve_webhook()
            else:
                await self.bot.delete_webhook(drop_pending_updates=False)
                await self.poller.run()
        finally:
            await self.scheduler.stop()
            await asyncio.to_thread(self.leadership.release)
            await self.bot.session.close()

    async def stop(self) -> None:
        """Stop polling or the webhook server."""
        self._stopped.set()
        self.poller.stop()

    async def _serve_webhook(self) -> None:
        settings = self.core.settings
        assert settings.webhook_url is not None and settings.webhook_secret is not None
        secret = settings.webhook_secret.get_secret_value()
        app = web.Application()
        # Handle in the request, so a failure answers 500 and Telegram delivers the update again.
        handler = SimpleRequestHandler(
            self.dispatcher, self.bot, secret_token=secret, handle_in_background=False
        )
        handler.register(app, path=urlparse(settings.webhook_url).path or "/")
        setup_application(app, self.dispatcher, bot=self.bot)
        self._web = web.AppRunner(app)
        await self._web.setup()
        # reuse_port: several worker processes (`run --workers N`) share one port.
        site = web.TCPSite(
            self._web, settings.webhook_host, settings.webhook_port, reuse_port=True
        )
        await site.start()
        await self.bot.set_webhook(settings.webhook_url, secret_token=secret)
        log.info("webhook server listening on %s:%s", settings.webhook_host, settings.webhook_port)
        try:
            await self._stopped.wait()
        finally:
            await self._web.cleanup()


def _name(job: Job) -> str:
    return getattr(job, "__qualname__", type(job).__name__)


class Debounced:
    """Run a job soon, once at a time: kicks during a run cause one more run after it."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def kick(self) -> None:
        """Ask for a run (from inside the event loop)."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            self._again = False
            try:
                await self.job()
            except Exception as error:
                log.error("%s failed (%s)", _name(self.job), type(error).__name__)
            if not self._again:
                return
