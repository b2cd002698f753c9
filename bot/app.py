"""The composition root: build settings, storage, interview, bot and dispatcher, and run them."""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlparse

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from sqlalchemy.engine import Engine

from bot.conversation import Conversations
from bot.delivery import Delivery
from bot.settings import Settings, SettingsError
from bot.telegram import make_router, publish_commands
from flows.content import Content, load_content
from storage.engine import make_engine, upgrade_database

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time, timezone-aware in UTC (the only real clock)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Core:
    """What every command needs: settings, an upgraded database, the content, conversations."""

    settings: Settings
    engine: Engine
    content: Content
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
    engine = make_engine(settings.database_url)
    upgrade_database(engine)
    conversations = Conversations(
        engine=engine,
        content=content,
        default_language=settings.default_language,
        clock=clock,
        source=source,
    )
    return Core(settings, engine, content, conversations)


def make_bot(settings: Settings) -> Bot:
    """Build the aiogram Bot, pointed at TELEGRAM_API_URL."""
    if settings.bot_token is None:
        raise SettingsError("BOT_TOKEN: not set")
    api = TelegramAPIServer.from_base(settings.telegram_api_url)
    return Bot(settings.bot_token.get_secret_value(), session=AiohttpSession(api=api))


class TelegramRunner:
    """Run the bot by long polling, or as a webhook server when WEBHOOK_URL is set."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.bot = make_bot(core.settings)
        self.delivery = Delivery(self.bot)
        self.dispatcher = Dispatcher(events_isolation=SimpleEventIsolation())
        key = core.settings.pseudonym_key()
        self.dispatcher.include_router(
            make_router(conversations=core.conversations, delivery=self.delivery, key=key)
        )
        self._web: web.AppRunner | None = None
        self._stopped = asyncio.Event()
        self._polling = False

    async def run(self) -> None:
        """Serve until ``stop()``; the bot session is closed on the way out."""
        try:
            await publish_commands(self.bot, self.delivery, self.core.content)
            if self.core.settings.webhook_url:
                await self._serve_webhook()
            else:
                await self.bot.delete_webhook(drop_pending_updates=False)
                self._polling = True
                await self.dispatcher.start_polling(
                    self.bot, handle_signals=False, close_bot_session=False
                )
        finally:
            await self.bot.session.close()

    async def stop(self) -> None:
        """Stop polling or the webhook server."""
        self._stopped.set()
        if self._polling:
            self._polling = False
            await self.dispatcher.stop_polling()

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
        await web.TCPSite(self._web, settings.webhook_host, settings.webhook_port).start()
        await self.bot.set_webhook(settings.webhook_url, secret_token=secret)
        log.info("webhook server listening on %s:%s", settings.webhook_host, settings.webhook_port)
        try:
            await self._stopped.wait()
        finally:
            await self._web.cleanup()
