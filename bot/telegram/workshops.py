"""Workshops in Telegram for staff: ``/workshop NAME`` (a guided dialog) and ``/workshops``.

The role is looked up in the database on every message and button press; for anyone else the
update falls through to the interview. Include this router before the interview's.
"""

import asyncio
import contextlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import CallbackQuery, Message, Update
from sqlmodel import Session

from bot.services.workshops import (
    Created,
    create_workshop,
    created,
    expires,
    qr_png,
    render_workshops,
    summary,
)
from bot.telegram.delivery import REPLY_BURST, Delivery
from bot.telegram.staff_access import StaffRole, staff_language
from flows.callback import WorkshopSetup, unpack
from flows.content import Content
from flows.follow_up import DEFAULT_FOLLOW_UPS
from flows.render import Button, Rendered
from flows.staff_texts import StaffTexts
from storage import queries
from storage.database import Database
from storage.models import Workshop

Clock = Callable[[], datetime]
DAYS_OFFERED = 14


class WorkshopDesk:
    """What ``/workshop``, its buttons and ``/workshops`` do."""

    def __init__(
        self,
        *,
        db: Database,
        content: Content,
        texts: StaffTexts,
        delivery: Delivery,
        clock: Clock,
        zone: ZoneInfo,
    ) -> None:
        self.db = db
        self.content = content
        self.texts = texts
        self.delivery = delivery
        self.clock = clock
        self.zone = zone

    async def fresh(self, update_id: int) -> bool:
        """Claim the update: False if it was handled before (a redelivery is not redone)."""
        return await self.db.run(queries.claim_update, update_id=update_id, now=self.clock())

    async def create(self, message: Message, command: CommandObject, language: str) -> None:
        """Store a workshop named in the command and ask for its group."""
        name = (command.args or "").strip()
        if not name:
            await self._say(message.chat.id, self.texts.html("workshop_usage", language))
            return
        today = self.clock().astimezone(self.zone).date()
        username = await self._username(message)
        made = await asyncio.to_thread(
            lambda: create_workshop(
                self.db.engine,
                name=name[:120],
                group="",
                area="",
                held_on=today,
                followups=DEFAULT_FOLLOW_UPS,
                now=self.clock(),
                zone=self.zone,
                bot_username=username,
            )
        )
        text = self.texts.html("workshop_ask_group", language, name=made.name, code=made.code)
        buttons = self._buttons(
            "g", made.code, [(g.key, g.key) for g in self.content.groups], language
        )
        await self.delivery.send(message.chat.id, Rendered(text, buttons), burst=REPLY_BURST)

    async def press(self, query: CallbackQuery, language: str) -> None:
        """Apply one button of the dialog: group, then area, then day (then the link and QR)."""
        button = unpack(query.data or "")
        chat_id = query.from_user.id
        message_id = query.message.message_id if query.message else None
        if not isinstance(button, WorkshopSetup):
            return  # StaffPress let only this dialog's buttons through
        step, code = button.step, button.code
        row = await self.db.run(self._update, step=step, code=code, value=button.value)
        if row is None:
            await self._say(chat_id, self.texts.html("workshop_gone", language))
            return
        if step == "g":
            text = self.texts.html("workshop_ask_area", language)
            keys = [(a.key, f"area:{a.key}") for a in self.content.areas]
            reply = Rendered(text, self._buttons("a", code, keys, language))
        elif step == "a":
            reply = Rendered(self.texts.html("workshop_ask_date", language), self._days(code))
        else:
            username = await self._username(query)
            await self._finish(chat_id, created(row, username), language)
            return
        if message_id is None:
            await self.delivery.send(chat_id, reply, burst=REPLY_BURST)
        else:
            await self.delivery.replace(chat_id, message_id, reply, burst=REPLY_BURST)

    def _update(self, session: Session, *, step: str, code: str, value: str) -> Workshop | None:
        """Store one answer of the dialog; None if the workshop or the answer is unknown."""
        if step == "g" and self.content.group(value):
            row = queries.update_workshop(session=session, code=code, group=value)
        elif step == "a" and self.content.area(value):
            row = queries.update_workshop(session=session, code=code, area=value)
        elif step == "d":
            day = date.fromisoformat(value)
            row = queries.update_workshop(
                session=session, code=code, held_on=day, expires_at=expires(day, self.zone)
            )
        else:
            return None
        if row is not None:
            session.expunge(row)
        return row

    async def _finish(self, chat_id: int, made: Created, language: str) -> None:
        await self._say(chat_id, summary(made, self.content, self.texts, language))
        caption = self.texts.html("workshop_qr_caption", language, name=made.name, link=made.link)
        png = await asyncio.to_thread(qr_png, made.link)
        await self.delivery.send_photo(chat_id, png, f"innspill-{made.code}.png", caption)

    async def overview(self, message: Message, language: str) -> None:
        """Send every workshop with participants, problems and follow-up response rate."""
        stats = await self.db.run(queries.list_workshops)
        await self._say(message.chat.id, render_workshops(stats, self.texts, language))

    def _buttons(
        self, step: str, code: str, keys: list[tuple[str, str]], language: str
    ) -> tuple[tuple[Button, ...], ...]:
        shown = language if language in self.content.languages else self.content.languages[0]
        items = [
            Button(self.content.name(label, shown), WorkshopSetup(step, code, key).pack())
            for key, label in keys
        ]
        return tuple(tuple(items[i : i + 2]) for i in range(0, len(items), 2))

    def _days(self, code: str) -> tuple[tuple[Button, ...], ...]:
        today = self.clock().astimezone(self.zone).date()
        days = [today + timedelta(days=n) for n in range(DAYS_OFFERED)]
        items = [
            Button(f"{d:%d.%m.}", WorkshopSetup("d", code, d.isoformat()).pack()) for d in days
        ]
        return tuple(tuple(items[i : i + 4]) for i in range(0, len(items), 4))

    async def _say(self, chat_id: int, text: str) -> None:
        await self.delivery.send(chat_id, Rendered(text), burst=REPLY_BURST)

    async def _username(self, event: Message | CallbackQuery) -> str:
        assert event.bot is not None  # set on every update the dispatcher feeds
        me = await self.delivery.call(event.bot.me, "getMe")
        return me.username or ""


class StaffPress(Filter):
    """Match a button press of the workshop dialog by someone who is staff at that moment."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def __call__(self, query: CallbackQuery) -> bool:
        """Look the presser up in the database."""
        if not isinstance(unpack(query.data or ""), WorkshopSetup):
            return False
        staff = await self.db.run(queries.get_staff, telegram_id=query.from_user.id)
        return staff is not None


def make_workshop_router(
    *,
    db: Database,
    content: Content,
    texts: StaffTexts,
    delivery: Delivery,
    clock: Clock,
    zone: ZoneInfo,
) -> Router:
    """Build the staff workshop router (a fresh one per dispatcher); include it first."""
    desk = WorkshopDesk(
        db=db, content=content, texts=texts, delivery=delivery, clock=clock, zone=zone
    )
    offered = texts.languages
    router = Router(name="workshops")
    router.message.filter(F.chat.type == "private", F.from_user)
    staff = StaffRole(db, frozenset({"staff", "admin"}))

    @router.message(Command("workshop", ignore_case=True), staff)
    async def on_create(message: Message, command: CommandObject, event_update: Update) -> None:
        assert message.from_user is not None
        if await desk.fresh(event_update.update_id):
            await desk.create(
                message, command, staff_language(message.from_user.language_code, offered)
            )

    @router.message(Command("workshops", ignore_case=True), staff)
    async def on_list(message: Message, event_update: Update) -> None:
        assert message.from_user is not None
        if await desk.fresh(event_update.update_id):
            await desk.overview(message, staff_language(message.from_user.language_code, offered))

    @router.callback_query(StaffPress(db))
    async def on_press(query: CallbackQuery, event_update: Update) -> None:
        with contextlib.suppress(TelegramBadRequest):  # too old to answer: nothing to stop
            await delivery.call(lambda: query.answer(), "answerCallbackQuery")
        if await desk.fresh(event_update.update_id):
            await desk.press(query, staff_language(query.from_user.language_code, offered))

    return router
