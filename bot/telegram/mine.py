"""/mine in Telegram: a resident's reports with their current status and the staff's note.

Read only: nothing is stored, so a repeated update only answers again. Include this router
before the interview's, which would answer /mine as an unknown command.
"""

import html
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.filters import Command
from aiogram.types import Message

from bot.services.conversation import pseudonym
from bot.telegram.delivery import REPLY_BURST, Delivery
from flows.content import Content
from flows.language import interview_language
from flows.mine import mine_replies
from flows.render import Rendered, render
from storage import queries
from storage.database import Database


def make_mine_router(
    *,
    db: Database,
    content: Content,
    delivery: Delivery,
    key: bytes,
    zone: ZoneInfo,
    default_language: str,
) -> Router:
    """Build the /mine router (a fresh one per dispatcher)."""
    router = Router(name="mine")

    @router.message(F.chat.type == "private", F.from_user, Command("mine", ignore_case=True))
    async def mine(message: Message) -> None:
        assert message.from_user is not None
        who = pseudonym(key, "telegram", message.from_user.id)
        found = await db.run(queries.statuses_of_resident, pseudonym=who)
        language, statuses = found if found is not None else ("", [])
        hinted = interview_language(message.from_user.language_code, content.languages)
        language = language or hinted or default_language
        replies = mine_replies(statuses, content, zone)
        text = "\n\n".join(render(reply, content, language, _escape).text for reply in replies)
        try:
            await delivery.send(message.chat.id, Rendered(text), burst=REPLY_BURST)
        except TelegramForbiddenError:
            return  # blocked the bot meanwhile: nobody to answer

    return router


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
