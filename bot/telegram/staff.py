"""Staff in Telegram: joining, digests on demand, exports, statistics and subscriptions.

Each staff handler matches only when the sender is staff (or, for /invite, an admin) in the
database at that moment, and only in a private chat; for anyone else the update falls through to
the interview, which answers as it does to any unknown command. Include this router first.
"""

import asyncio
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message, Update
from sqlmodel import Session

from bot.cli.statuses import status_reply
from bot.services.digests import ROLLING_DAYS, DigestBuilder, send_package
from bot.telegram.delivery import REPLY_BURST, Delivery
from bot.telegram.staff_access import (
    INVITE_PREFIX,
    PAYLOAD,
    Member,
    StaffRole,
    create_invite,
    invite_link,
    redeem,
    staff_language,
)
from bot.telegram.themes import Assign, theme_reply
from flows.callback import record_id
from flows.periods import Period, rolling_period
from flows.render import Rendered
from storage import queries
from storage.database import Database

Clock = Callable[[], datetime]
FORMATS = ("xlsx", "csv")


EXPORT_FIRST_YEAR = 2000  # no resident wrote to the bot before this


def parse_export(argument: str, now: datetime, zone: ZoneInfo) -> tuple[str, Period | None]:
    """Read "[csv|xlsx] [FIRST [LAST]]" (local days, both included); raise ValueError if wrong."""
    words = argument.lower().split()
    file_format = words.pop(0) if words and words[0] in FORMATS else FORMATS[0]
    if len(words) > 2:
        raise ValueError("too many words")
    days = [date.fromisoformat(word) for word in words]
    if any(day.year < EXPORT_FIRST_YEAR or day.year >= date.max.year for day in days):
        # Day 1 of year 1 in Oslo is before the first UTC moment Python can hold.
        raise ValueError("a day out of range")
    if not days:
        return file_format, None
    last = days[1] if len(days) == 2 else now.astimezone(zone).date()
    if last < days[0]:
        raise ValueError("the last day comes before the first")
    start = datetime.combine(days[0], time(), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone)
    return file_format, Period(start, end)


class StaffDesk:
    """What the staff commands do; each method is one command."""

    def __init__(
        self,
        *,
        db: Database,
        builder: DigestBuilder,
        delivery: Delivery,
        clock: Clock,
        digest_time: time,
        assign_themes: Assign,
        workspace_url: str = "",
    ) -> None:
        self.workspace_url = workspace_url
        self.assign_themes = assign_themes
        self.db = db
        self.builder = builder
        self.texts = builder.texts
        self.delivery = delivery
        self.clock = clock
        self.time = f"{digest_time:%H:%M}"

    async def say(self, message: Message, key: str, language: str, **values: str) -> None:
        """Send the staff text ``key`` to the chat of ``message``."""
        text = self.texts.html(key, language, **values)
        await self.delivery.send(message.chat.id, Rendered(text), burst=REPLY_BURST)

    async def begin(self, message: Message, event_update: Update, member: Member) -> str | None:
        """Claim the update and note the member's chat and language; None for a repeat."""
        assert message.from_user is not None  # the role filter saw the sender
        language = staff_language(message.from_user.language_code, self.texts.languages)
        fresh = await self.db.run(
            _begin,
            update_id=event_update.update_id,
            staff_id=member.id,
            chat_id=message.chat.id,
            language=language,
            now=self.clock(),
        )
        return language if fresh else None

    async def join(self, message: Message, event_update: Update, command: CommandObject) -> None:
        """Redeem an invitation link (anyone may try; a bad link only says so)."""
        assert message.from_user is not None and command.args is not None
        language = staff_language(message.from_user.language_code, self.texts.languages)
        user_id = message.from_user.id
        joined = await self.db.run(
            redeem,
            update_id=event_update.update_id,
            token=command.args.removeprefix(INVITE_PREFIX),
            user_id=user_id,
            chat_id=message.chat.id,
            language=language,
            now=self.clock(),
        )
        if joined is None:
            return
        outcome, role = joined
        if outcome != "joined":
            await self.say(message, f"invite_{outcome}", language)
            return
        role_name = self._role(role, language)
        welcome = self.texts.html("staff_welcome", language, role=role_name)
        commands = self._commands(role, language)
        await self.delivery.send(
            message.chat.id, Rendered(f"{welcome}\n\n{commands}"), burst=REPLY_BURST
        )

    async def help(self, message: Message, event_update: Update, member: Member) -> None:
        """List the staff commands."""
        if language := await self.begin(message, event_update, member):
            await self.delivery.send(
                message.chat.id, Rendered(self._commands(member.role, language))
            )

    async def digest(self, message: Message, event_update: Update, member: Member) -> None:
        """Send the digest of the last 7 days now: text, chart and spreadsheet."""
        if language := await self.begin(message, event_update, member):
            period = rolling_period(self.clock(), ROLLING_DAYS)
            package = await asyncio.to_thread(self.builder.package, period, language, rolling=True)
            await send_package(self.delivery, message.chat.id, package)

    async def stats(self, message: Message, event_update: Update, member: Member) -> None:
        """Send the two-line count."""
        if language := await self.begin(message, event_update, member):
            text = await asyncio.to_thread(self.builder.stats, self.clock(), language)
            await self.delivery.send(message.chat.id, Rendered(text), burst=REPLY_BURST)

    async def export(
        self, message: Message, event_update: Update, member: Member, command: CommandObject
    ) -> None:
        """Send every problem, or those of a date range, as XLSX or CSV."""
        if not (language := await self.begin(message, event_update, member)):
            return
        try:
            file_format, period = parse_export(command.args or "", self.clock(), self.builder.zone)
        except ValueError:
            await self.say(message, "export_usage", language)
            return
        item = await asyncio.to_thread(self.builder.export, file_format, period, language)
        await self.delivery.send_document(
            message.chat.id, item.content, item.filename, item.caption
        )

    async def subscribe(
        self, message: Message, event_update: Update, member: Member, command: CommandObject
    ) -> None:
        """Subscribe to the weekly (default) or daily digest."""
        if not (language := await self.begin(message, event_update, member)):
            return
        frequency = (command.args or "weekly").strip().lower()
        if frequency not in ("weekly", "daily"):
            await self.say(message, "subscribe_usage", language)
            return
        await self.db.run(
            queries.subscribe, staff_id=member.id, frequency=frequency, now=self.clock()
        )
        await self.say(message, f"subscribed_{frequency}", language, time=self.time)

    async def unsubscribe(self, message: Message, event_update: Update, member: Member) -> None:
        """Stop the scheduled digests."""
        if language := await self.begin(message, event_update, member):
            changed = await self.db.run(
                queries.subscribe, staff_id=member.id, frequency="", now=self.clock()
            )
            await self.say(message, "unsubscribed" if changed else "not_subscribed", language)

    async def invite(
        self, message: Message, event_update: Update, member: Member, command: CommandObject
    ) -> None:
        """Make a one-time invitation link (admins only): "/invite" or "/invite admin"."""
        if not (language := await self.begin(message, event_update, member)):
            return
        role = "admin" if (command.args or "").strip().lower() == "admin" else "staff"
        token, expires = await asyncio.to_thread(
            create_invite, self.db, role=role, now=self.clock()
        )
        assert message.bot is not None  # set on every update the dispatcher feeds
        me = await self.delivery.call(message.bot.me, "getMe")
        link = invite_link(me.username or "", token)
        until = f"{expires.astimezone(self.builder.zone):%d.%m.%Y %H:%M}"
        role_name = self._role(role, language)
        await self.say(message, "invite_created", language, role=role_name, until=until, link=link)

    async def workspace(self, message: Message, event_update: Update, member: Member) -> None:
        """Send a one-time sign-in link to the web workspace."""
        from bot.web.auth import LINK_LIFETIME, issue_link

        if not (language := await self.begin(message, event_update, member)):
            return
        assert message.from_user is not None  # the role filter saw the sender
        link = await asyncio.to_thread(
            issue_link,
            self.db,
            telegram_id=message.from_user.id,
            now=self.clock(),
            public_url=self.workspace_url,
        )
        if link is not None:  # None only if they were removed a moment ago
            minutes = str(int(LINK_LIFETIME.total_seconds() // 60))
            await self.say(message, "workspace_link", language, minutes=minutes, link=link)

    async def theme(
        self, message: Message, event_update: Update, member: Member, command: CommandObject
    ) -> None:
        """List the themes, rename, merge, give a status or publish one (staff checked)."""
        if language := await self.begin(message, event_update, member):
            if (command.args or "").split(maxsplit=1)[:1] in (["status"], ["public"]):
                await self._status(message, command.args or "", language)
                return
            text = await asyncio.to_thread(
                theme_reply,
                self.db.engine,
                command.args or "",
                language,
                texts=self.texts,
                clock=self.clock,
                assign=self.assign_themes,
            )
            await self.delivery.send(message.chat.id, Rendered(text), burst=REPLY_BURST)

    async def _status(self, message: Message, argument: str, language: str) -> None:
        assert message.from_user is not None  # the role filter saw the sender
        text = await asyncio.to_thread(
            status_reply,
            self.db,
            self.builder.content,
            self.texts,
            argument,
            language,
            clock=self.clock,
            changed_by=f"telegram:{message.from_user.id}",
        )
        await self.delivery.send(message.chat.id, Rendered(text), burst=REPLY_BURST)

    async def block(
        self, message: Message, event_update: Update, member: Member, command: CommandObject
    ) -> None:
        """Block the resident behind a problem: their reports leave the digests."""
        await self._set_blocked(message, event_update, member, command, blocked=True)

    async def unblock(
        self, message: Message, event_update: Update, member: Member, command: CommandObject
    ) -> None:
        """Undo /block: the resident's reports count in digests again."""
        await self._set_blocked(message, event_update, member, command, blocked=False)

    async def _set_blocked(
        self,
        message: Message,
        event_update: Update,
        member: Member,
        command: CommandObject,
        *,
        blocked: bool,
    ) -> None:
        if not (language := await self.begin(message, event_update, member)):
            return
        number = (command.args or "").strip().lstrip("#")
        problem_id = record_id(number)
        if problem_id is None:  # "²" is a digit to Python, but no problem's number
            await self.say(message, "block_usage", language)
            return
        done = await self.db.run(
            queries.set_reporter_blocked, problem_id=problem_id, blocked=blocked, now=self.clock()
        )
        key = ("block_done" if blocked else "unblock_done") if done else "block_unknown"
        await self.say(message, key, language, id=number)

    def _role(self, role: str, language: str) -> str:
        return self.texts.plain(f"role_{role}", language)

    def _commands(self, role: str, language: str) -> str:
        text: str = self.texts.html("staff_commands", language, time=self.time)
        if role == "admin":
            text += "\n" + self.texts.html("staff_commands_admin", language)
        return text


def make_staff_router(
    *,
    db: Database,
    builder: DigestBuilder,
    delivery: Delivery,
    clock: Clock,
    digest_time: time,
    assign_themes: Assign,
    workspace_url: str = "",
) -> Router:
    """Build the staff router (a fresh one per dispatcher); include it before the interview.

    ``assign_themes`` gives a few waiting problems their theme before ``/theme`` lists them.
    With ``workspace_url``, staff also get ``/workspace`` (a sign-in link to the web workspace).
    """
    desk = StaffDesk(
        db=db,
        builder=builder,
        delivery=delivery,
        clock=clock,
        digest_time=digest_time,
        assign_themes=assign_themes,
        workspace_url=workspace_url,
    )
    router = Router(name="staff")
    router.message.filter(F.chat.type == "private")
    staff = StaffRole(db, frozenset({"staff", "admin"}))
    admin = StaffRole(db, frozenset({"admin"}))
    invitation = F.args.func(lambda args: PAYLOAD.fullmatch(args) is not None)
    router.message.register(desk.join, CommandStart(deep_link=True, magic=invitation))
    for name, handler, role in (
        ("staff", desk.help, staff),
        ("digest", desk.digest, staff),
        ("stats", desk.stats, staff),
        ("export", desk.export, staff),
        ("subscribe", desk.subscribe, staff),
        ("unsubscribe", desk.unsubscribe, staff),
        ("invite", desk.invite, admin),
        ("theme", desk.theme, staff),
        ("block", desk.block, staff),
        ("unblock", desk.unblock, staff),
        *((("workspace", desk.workspace, staff),) if workspace_url else ()),
    ):
        # The command first: the database is asked only about staff commands.
        router.message.register(handler, Command(name, ignore_case=True), role)
    return router


def _begin(
    session: Session, *, update_id: int, staff_id: int, chat_id: int, language: str, now: datetime
) -> bool:
    """Claim a staff command's update and note where they write from; False for a repeat."""
    if not queries.claim_update(session=session, update_id=update_id, now=now):
        return False
    queries.note_staff_chat(session=session, staff_id=staff_id, chat_id=chat_id, language=language)
    return True
