"""The composition root: build settings, storage, interview, bot and dispatcher, and run them."""

import asyncio
import contextlib
import functools
import gc
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.webhook.aiohttp_server import setup_application
from aiohttp import web

from bot.content_files import load_content, load_staff_texts
from bot.health import WEBHOOK_CHECK_EVERY, Heartbeat, Readiness, watch_webhook
from bot.jobs.debounced import Debounced, Job, job_name
from bot.jobs.digests import DigestOutbox
from bot.jobs.followups import FollowUps
from bot.jobs.housekeeping import Housekeeping
from bot.jobs.notices import StatusNews
from bot.jobs.schema import SchemaWatch
from bot.jobs.themes import ThemeAssigner
from bot.jobs.ticker import Scheduler
from bot.metrics import Backlogs, watch_engine
from bot.services.conversation import Conversations, key_fingerprint
from bot.services.digests import DigestBuilder
from bot.services.translation import make_translator
from bot.settings import Settings, SettingsError
from bot.telegram.applier import Applier
from bot.telegram.delivery import Delivery, Pacer
from bot.telegram.models import warm_validators
from bot.telegram.observe import UpdateObserver
from bot.telegram.polling import Poller
from bot.telegram.responses import keep_responses
from bot.telegram.router import (
    Notices,
    make_router,
    not_applied_notice,
    press_answer,
    publish_commands,
    slow_down_warning,
)
from bot.telegram.session import LeanSession
from bot.telegram.staff import make_staff_router
from bot.telegram.themes import LISTING_SHARE
from bot.telegram.throttle import Throttle
from bot.telegram.webhook import WebhookEndpoint
from bot.telegram.workshops import make_workshop_router
from bot.web.app import make_app
from bot.web.context import workspace_context
from bot.web.ops import ops_routes
from bot.web.results import results_routes
from bot.web.server import WebServer
from flows.content import Content
from flows.language import warm_up
from flows.staff_texts import StaffTexts
from flows.text_normalise import warm_up as load_dictionaries
from storage import queries
from storage.database import Database
from storage.engine import make_engine, upgrade_database
from storage.leadership import Leadership

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
# A person may send this many messages or button presses per window; more are dropped.
THROTTLE_LIMIT = 20
THROTTLE_SECONDS = 30.0
MAX_START_BACKOFF = 300.0  # seconds between tries to reach Telegram while it is unreachable
# A saved problem gets its theme within this many seconds; problems saved meanwhile share the run.
THEMES_DELAY = 0.5


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
    saved: Debounced  # kicked when a problem is stored; the leader then assigns its theme


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
    load_dictionaries(content.languages)  # simplemma's, for themes and "me too"
    engine = make_engine(settings.database_url)
    upgrade_database(engine)
    db = Database(engine)
    _check_key(settings, db, clock())
    if settings.admin_ids:
        db.call(queries.ensure_admins, telegram_ids=settings.admin_ids, now=clock())
    saved = Debounced(delay=THEMES_DELAY)
    conversations = Conversations(
        db=db,
        content=content,
        default_language=settings.default_language,
        clock=clock,
        source=source,
        on_saved=saved.kick,
        translated_notes=bool(settings.translate_url),
    )
    return Core(settings, db, content, load_staff_texts(), conversations, saved)


def _check_key(settings: Settings, db: Database, now: datetime) -> None:
    """Refuse a pseudonym key other than the one that wrote this database's residents."""
    fingerprint = key_fingerprint(settings.pseudonym_key())
    if db.call(queries.known_fingerprint, fingerprint=fingerprint, now=now) != fingerprint:
        kept = settings.secret_file() if settings.secret_key is None else None
        where = f" (now read from {kept})" if kept else ""
        raise SettingsError(
            f"SECRET_KEY: not the key this database's residents were stored with{where}; "
            "restore that key, or every resident becomes a stranger"
        )


def make_bot(settings: Settings) -> Bot:
    """Build the aiogram Bot, pointed at TELEGRAM_API_URL."""
    if settings.bot_token is None:
        raise SettingsError("BOT_TOKEN: not set")
    api = TelegramAPIServer.from_base(settings.telegram_api_url)
    # No link previews: a resident's link quoted to staff must not be fetched or shown.
    default = DefaultBotProperties(link_preview_is_disabled=True)
    return Bot(
        settings.bot_token.get_secret_value(), session=LeanSession(api=api), default=default
    )


class TelegramRunner:
    """Run the bot by long polling, or as a webhook server when WEBHOOK_URL is set."""

    def __init__(
        self, core: Core, *, digest_every: float | None = None, pacer: Pacer | None = None
    ) -> None:
        self.core = core
        self.bot = make_bot(core.settings)
        self._responses = keep_responses()  # held: see bot/telegram/responses.py
        warm_validators()  # if aiogram's were deferred (bot/telegram/models.py): built now
        self.delivery = Delivery(self.bot, pacer=pacer)  # one pacer for every send
        self.leadership = Leadership(core.db.engine)
        self.dispatcher = Dispatcher(events_isolation=SimpleEventIsolation())
        self.heartbeat = Heartbeat()
        self.dispatcher.update.outer_middleware(UpdateObserver(self.heartbeat))
        watch_engine(core.db.engine)
        self.workspace = workspace_context(core)
        self.web = self._web_server()
        key = core.settings.pseudonym_key()
        notices = Notices(core.content, core.settings.default_language)
        throttle = Throttle(
            limit=THROTTLE_LIMIT,
            per=THROTTLE_SECONDS,
            warn=slow_down_warning(self.delivery, notices, core.conversations, key),
        )
        self.dispatcher.message.outer_middleware(throttle)
        self.dispatcher.callback_query.outer_middleware(throttle)
        self.translator = make_translator(core.settings, core.db, utc_now)
        builder = DigestBuilder(
            db=core.db,
            content=core.content,
            texts=core.staff_texts,
            zone=core.settings.zone,
            weights=core.settings.priority_weights,
            translator=self.translator,
        )
        every = digest_every or core.settings.scheduler_seconds
        self.scheduler = self._scheduler(builder, every)
        self.dispatcher.include_router(self._staff_router(builder))  # before the interview
        self.dispatcher.include_router(self._workshop_router())  # before the interview
        self.dispatcher.include_router(
            make_router(conversations=core.conversations, delivery=self.delivery, key=key)
        )
        self.applier = Applier(
            self.bot,
            self.dispatcher,
            notify=not_applied_notice(self.delivery, notices),
            answer_press=press_answer(self.delivery),
        )
        self.poller = Poller(
            self.bot,
            self.dispatcher,
            self.applier,
            throttle=throttle,
            on_answer=self.heartbeat.beat,
        )
        self.schema = SchemaWatch(core.db.engine)
        self._web: web.AppRunner | None = None
        self._stopped = asyncio.Event()

    def _web_server(self) -> WebServer:
        """Build the web server of WEB_HOST:WEB_PORT: workspace, results, health and metrics."""
        settings = self.core.settings
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        ops = ops_routes(
            readiness=Readiness(self.core.db.engine, self.heartbeat),
            backlogs=Backlogs(self.core.db.engine, self.core.conversations.clock),
            metrics_token=token,
        )
        results = results_routes(
            default_language=settings.default_language, enabled=settings.public_results
        )
        build = functools.partial(make_app, self.workspace, [results, ops])
        return WebServer(settings.web_host, settings.web_port, build)

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
            problem_retention=timedelta(days=settings.problem_retention_days),
        )
        followups = FollowUps(
            db=self.core.db,
            content=self.core.content,
            delivery=self.delivery,
            clock=self.core.conversations.clock,
            zone=settings.zone,
            default_language=settings.default_language,
            quiet=settings.quiet_hours,
        )
        news = StatusNews(
            db=self.core.db,
            content=self.core.content,
            delivery=self.delivery,
            clock=self.core.conversations.clock,
            zone=settings.zone,
            quiet=settings.quiet_hours,
            default_language=settings.default_language,
            translator=self.translator,
        )
        self.themes = ThemeAssigner(
            self.core.db.engine,
            clock=self.core.conversations.clock,
            hand_on=self.core.saved.kick,  # an import's backlog: where saved problems go
        )
        # Themes first, so the digests sent in the same look already see them.
        self.jobs: list[Job] = [
            self.themes.look,
            outbox.run,
            housekeeping.run,
            followups.send_due,
            news.send_due,
        ]
        return Scheduler(job=self._lead, zone=settings.zone, interval=every)

    async def _lead(self) -> None:
        """Run the scheduled jobs if this process leads; otherwise try to take over."""
        if not await asyncio.to_thread(self.schema.check):
            return  # said once in the log; every job would fail the same way
        if not await asyncio.to_thread(self.leadership.acquire):
            return
        for job in self.jobs:
            try:
                await job()
            except Exception as error:  # one failing job must not starve the others
                log.error("scheduled job %s failed (%s)", job_name(job), type(error).__name__)
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
            assign_themes=functools.partial(self.themes.assign_pending, limit=LISTING_SHARE),
            workspace_url=self.core.settings.workspace_url,
        )

    async def run(self) -> None:
        """Serve until ``stop()``; stop the scheduler and close the bot session on the way out."""
        # What start-up built lives as long as the bot: keep it out of every full collection
        # (aiogram's heap made each one cost about 0.3 s on the reply path).
        gc.freeze()
        starting: list[asyncio.Task[None]] = []
        try:
            await self.web.start()
            self.scheduler.start()  # inside the running loop, as APScheduler needs
            # Telegram may be unreachable at start: the menu is set whenever it answers, and
            # the bot's username (for the workshops' QR posters) is learnt the same way.
            menu = functools.partial(publish_commands, self.bot, self.delivery, self.core.content)
            starting.append(asyncio.create_task(self._keep_trying(menu, "setMyCommands")))
            starting.append(asyncio.create_task(self._keep_trying(self._learn_username, "getMe")))
            # A saved problem gets its theme now if this process leads, not a look later.
            themes_now = self.core.saved.serve(self.themes.run, when=lambda: self.leadership.held)
            starting.append(asyncio.create_task(themes_now))
            if self.core.settings.webhook_url:
                await self._serve_webhook()
            else:
                await self._keep_trying(
                    lambda: self.bot.delete_webhook(drop_pending_updates=False), "deleteWebhook"
                )
                self.heartbeat.beat()  # Telegram answers; getUpdates may hold 25 s before it does
                await self.poller.run()
        finally:
            for task in starting:
                task.cancel()
            await self.web.stop()
            await self.scheduler.stop()
            await self.delivery.marks.flush()  # marks still waiting for a spare slot
            await asyncio.to_thread(self.leadership.release)
            await self.bot.session.close()

    async def _learn_username(self) -> None:
        me = await self.delivery.call(self.bot.me, "getMe")
        self.workspace.bot_username = me.username or ""

    async def _keep_trying(self, call: Callable[[], Awaitable[object]], what: str) -> None:
        """Call Telegram until it answers (or the bot stops), waiting longer each time."""
        delay = 1.0
        while not self._stopped.is_set():
            try:
                await call()
                return
            except TelegramUnauthorizedError:
                raise  # a revoked token: waiting cannot help
            except Exception as error:
                log.warning(
                    "%s failed (%s); retrying in %.0f s", what, type(error).__name__, delay
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), timeout=delay)
            delay = min(delay * 2, MAX_START_BACKOFF)

    async def stop(self) -> None:
        """Stop polling or the webhook server."""
        self._stopped.set()
        self.poller.stop()

    async def _serve_webhook(self) -> None:
        settings = self.core.settings
        assert settings.webhook_url is not None and settings.webhook_secret is not None
        secret = settings.webhook_secret.get_secret_value()
        app = web.Application()
        # Handle in the request, so a transient failure answers 500 and Telegram tries again.
        endpoint = WebhookEndpoint(self.bot, self.applier, secret)
        endpoint.register(app, urlparse(settings.webhook_url).path or "/")
        setup_application(app, self.dispatcher, bot=self.bot)
        self._web = web.AppRunner(app)
        await self._web.setup()
        # reuse_port: several worker processes (`run --workers N`) share one port.
        site = web.TCPSite(
            self._web, settings.webhook_host, settings.webhook_port, reuse_port=True
        )
        await site.start()
        log.info("webhook server listening on %s:%s", settings.webhook_host, settings.webhook_port)
        url = settings.webhook_url
        await self._keep_trying(
            lambda: self.bot.set_webhook(url, secret_token=secret), "setWebhook"
        )
        self.heartbeat.beat()
        watch = watch_webhook(self.bot, url, self.heartbeat, WEBHOOK_CHECK_EVERY)
        watcher = asyncio.create_task(watch)
        try:
            await self._stopped.wait()
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await self._web.cleanup()
