"""The aiogram adapter: updates become ``Event``s; rendered replies become messages."""

import asyncio
import contextlib
import html
import logging
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    Message,
    TelegramObject,
    Update,
    User,
)

from bot.services.conversation import Conversations, Document, Turn, pseudonym
from bot.telegram.applier import AnswerPress, Applied, Notify
from bot.telegram.delivery import REPLY_BURST, Delivery, split_marks
from bot.telegram.throttle import Warn
from flows.content import Content
from flows.events import Event, EventKind
from flows.language import interview_language
from flows.outputs import Reply
from flows.render import Rendered, render

log = logging.getLogger(__name__)
COMMANDS = ("start", "help", "cancel", "language", "mine", "mydata", "delete", "stop")
MEDIA_KINDS = ("sticker", "photo", "voice", "video", "video_note", "audio", "document", "contact")


def escape(text: str) -> str:
    """Escape resident text for parse_mode HTML."""
    return html.escape(text, quote=False)


def message_event(message: Message, now: datetime) -> Event:
    """Turn a private message into an interview event."""
    hint = message.from_user.language_code if message.from_user else None
    text = message.text or message.caption or ""
    if message.text and message.text.startswith("/"):
        head, _, argument = message.text[1:].partition(" ")
        command = head.split("@", 1)[0].lower()
        return Event(
            EventKind.COMMAND, now, command=command, argument=argument.strip(), language_hint=hint
        )
    if message.location is not None:
        location = (message.location.latitude, message.location.longitude)
        return Event(EventKind.LOCATION, now, location=location, language_hint=hint)
    if text:
        forwarded = message.forward_origin is not None
        return Event(EventKind.TEXT, now, text=text, language_hint=hint, forwarded=forwarded)
    media = next((kind for kind in MEDIA_KINDS if getattr(message, kind, None)), "other")
    return Event(EventKind.UNSUPPORTED, now, media=media, language_hint=hint)


def make_router(*, conversations: Conversations, delivery: Delivery, key: bytes) -> Router:
    """Build the router residents talk to (a fresh one per dispatcher)."""
    router = Router(name="interview")
    clock = conversations.clock
    notices = Notices(conversations.content, conversations.default_language)

    @router.message(F.chat.type == "private", F.from_user)
    async def on_message(
        message: Message, event_update: Update, applied: Applied | None = None
    ) -> None:
        assert message.from_user is not None
        resident = pseudonym(key, "telegram", message.from_user.id)
        turn = await conversations.handle(
            resident,
            message_event(message, clock()),
            escape=escape,
            update_id=event_update.update_id,
            chat_id=message.chat.id,
        )
        if applied is not None:  # committed: the poller may confirm it before the replies
            applied()
        await _deliver(delivery, message.chat.id, turn, None)
        await conversations.mark_replied(event_update.update_id)

    @router.callback_query(F.message.chat.type == "private")
    async def on_button(
        query: CallbackQuery, event_update: Update, applied: Applied | None = None
    ) -> None:
        hint = query.from_user.language_code
        event = Event(EventKind.CHOICE, clock(), choice=query.data or "", language_hint=hint)
        resident = pseudonym(key, "telegram", query.from_user.id)
        turn = await conversations.handle(
            resident,
            event,
            escape=escape,
            update_id=event_update.update_id,
            chat_id=query.from_user.id,  # a private chat's id is its user's id
        )
        if applied is not None:
            applied()
        # The button's spinner is stopped beside the answer, not before it: the next question
        # does not wait for that round trip.
        spinner = asyncio.create_task(_stop_spinner(delivery, query))
        message_id = query.message.message_id if query.message else None
        try:
            await _deliver(delivery, query.from_user.id, turn, message_id)
        finally:
            await spinner
        await conversations.mark_replied(event_update.update_id)

    @router.edited_message(F.chat.type == "private")
    async def on_edit(message: Message) -> None:
        hint = message.from_user.language_code if message.from_user else None
        await _notify(delivery, message.chat.id, notices.render("edited_ignored", hint))

    @router.message(F.chat.type.in_({"group", "supergroup"}))
    async def elsewhere(message: Message) -> None:
        # Nothing from a group is stored; the sender is told where to talk. Channel posts are
        # left unanswered: a notice there would be posted to every subscriber of the channel.
        hint = message.from_user.language_code if message.from_user else None
        await _notify(delivery, message.chat.id, notices.render("private_only", hint))

    @router.callback_query()
    async def button_elsewhere(query: CallbackQuery) -> None:
        # A button under a message forwarded to a group: stop the client's spinner, store nothing.
        with contextlib.suppress(TelegramBadRequest):
            await delivery.call(lambda: query.answer(), "answerCallbackQuery")

    return router


class Notices:
    """Render one-off texts for people whose interview state is not loaded."""

    def __init__(self, content: Content, default_language: str) -> None:
        self.content = content
        self.default_language = default_language

    def render(self, key: str, hint: str | None, known: str = "") -> Rendered:
        """Render ``key`` in the resident's ``known`` language, else the one Telegram reports."""
        offered = known if known in self.content.languages else None
        language = (
            offered or interview_language(hint, self.content.languages) or self.default_language
        )
        return render(Reply(key), self.content, language, escape)


def slow_down_warning(
    delivery: Delivery, notices: Notices, conversations: Conversations, key: bytes
) -> Warn:
    """Return the throttle's warning: one polite "slow down" in the sender's language."""

    async def warn(user: User, event: TelegramObject) -> None:
        known = await conversations.language_of(pseudonym(key, "telegram", user.id))
        notice = notices.render("slow_down", user.language_code, known)
        await _notify(delivery, user.id, notice)

    return warn


def not_applied_notice(delivery: Delivery, notices: Notices) -> Notify:
    """Return the applier's notice: "your last message was not taken in", politely."""

    async def notify(chat_id: int, hint: str | None) -> None:
        await _notify(delivery, chat_id, notices.render("not_applied", hint))

    return notify


def press_answer(delivery: Delivery) -> AnswerPress:
    """Return the applier's answer to a parked button press (answerCallbackQuery, no text)."""

    async def answer(query_id: str) -> None:
        await delivery.call(
            lambda: delivery.bot.answer_callback_query(query_id), "answerCallbackQuery"
        )

    return answer


async def _stop_spinner(delivery: Delivery, query: CallbackQuery) -> None:
    """Answer a press (answerCallbackQuery): a courtesy, so a refusal changes nothing."""
    try:
        await delivery.call(lambda: query.answer(), "answerCallbackQuery")
    except TelegramBadRequest:
        pass  # too old to answer: nothing to stop
    except Exception as error:
        log.warning("button press not answered (%s)", type(error).__name__)


async def _notify(delivery: Delivery, chat_id: int, notice: Rendered) -> None:
    try:
        await delivery.send(chat_id, notice, burst=REPLY_BURST)
    except (TelegramForbiddenError, TelegramBadRequest) as error:
        log.info("notice not delivered (%s)", type(error).__name__)


async def _deliver(delivery: Delivery, chat_id: int, turn: Turn, pressed: int | None) -> None:
    """Send a turn's replies in order; the mark of a pressed question follows its next one."""
    answers, marks = split_marks(turn.replies, pressed)
    try:
        for document in turn.documents:
            await _send_document(delivery, chat_id, document)
        for reply in answers:
            if reply.edit and pressed is not None:
                await delivery.replace(chat_id, pressed, reply, burst=REPLY_BURST)
            else:
                await delivery.send(chat_id, reply, burst=REPLY_BURST)
    except TelegramForbiddenError:
        log.info("a resident blocked the bot; reply not delivered")
        return
    for mark in marks:
        assert pressed is not None
        delivery.mark(chat_id, pressed, mark)


async def _send_document(delivery: Delivery, chat_id: int, document: Document) -> None:
    upload = BufferedInputFile(document.content, document.filename)
    await delivery.call(
        lambda: delivery.bot.send_document(
            chat_id, upload, caption=document.caption.text, parse_mode="HTML"
        ),
        "sendDocument",
    )


async def publish_commands(bot: Bot, delivery: Delivery, content: Content) -> None:
    """Set the command menu in every interview language (and the default for the rest)."""
    for language in (None, *content.languages):
        await _publish(bot, delivery, content, language)


async def _publish(bot: Bot, delivery: Delivery, content: Content, language: str | None) -> None:
    shown = language or content.languages[0]
    commands = [
        BotCommand(command=c, description=content.text(f"cmd_{c}", shown)) for c in COMMANDS
    ]
    await delivery.call(
        lambda: bot.set_my_commands(commands, language_code=language), "setMyCommands"
    )
