"""The webhook endpoint: 200 for what is done or can never succeed, 500 for what a retry fixes.

Telegram delivers an update again for as long as the answer is not 2xx, and holds back the
updates behind it meanwhile; so a body that is not JSON (400), or not an update (200 with an id
to confirm, 400 without), is refused at once and logged without its content, and an update
that keeps failing is parked (200) by the applier. Only a transient fault, such as the database
being down, answers 500.
"""

import hmac
import logging

from aiogram import Bot
from aiohttp import web

from bot.telegram.applier import Applier, Outcome, read_update

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookEndpoint:
    """Answer Telegram's webhook calls by applying each update in the request."""

    def __init__(self, bot: Bot, applier: Applier, secret: str) -> None:
        self.bot = bot
        self.applier = applier
        self.secret = secret

    def register(self, app: web.Application, path: str) -> None:
        """Serve the endpoint at ``path``."""
        app.router.add_post(path, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        """Apply the update in the request body; say whether Telegram must send it again."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return web.Response(status=401)
        try:
            raw = await request.json()
        except ValueError:
            log.warning("webhook: a request body that is not JSON; refused")
            return web.Response(status=400)
        update = read_update(raw, self.bot, self.applier.counts)
        if update is None:
            has_id = isinstance(raw, dict) and isinstance(raw.get("update_id"), int)
            return web.Response(status=200 if has_id else 400)
        outcome = await self.applier.apply(update, keep_trying=False)
        return web.Response(status=500 if outcome is Outcome.RETRY_LATER else 200)
