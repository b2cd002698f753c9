"""The ``innspill`` command: run the bot, chat, export, staff and digests, the database."""

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from bot.content_files import load_content, load_staff_texts
from bot.digests import ROLLING_DAYS, DigestBuilder
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from bot.themes import assign_pending
from bot.themes_cli import add_themes_parser, run_themes
from bot.workshop_cli import add_workshop_parsers, run_import, run_workshop
from flows.digest import rolling_period
from flows.language import normalise_language_code
from flows.texts import ContentError
from storage import queries
from storage.engine import make_engine, session_scope, upgrade_database
from storage.models import Staff

# aiogram takes seconds to import: bot.app, bot.staff, bot.scheduler (and so aiogram) are
# imported only by the commands that talk to Telegram or run the interview.
if TYPE_CHECKING:
    from bot.app import Core

log = logging.getLogger(__name__)
ROLES = ("staff", "admin")
NO_TOKEN_HINT = """\
BOT_TOKEN is not set, so the Telegram bot can't start.
  1. Create a bot with @BotFather in Telegram and copy its token.
  2. Put it in a file named .env here:   BOT_TOKEN=123456:ABC...
  3. Run `make run` (or `innspill run`) again.
Meanwhile you can try the same interview in this terminal: `innspill chat`.
"""


def parser() -> argparse.ArgumentParser:
    """Describe every sub-command and its options."""
    top = argparse.ArgumentParser(prog="innspill", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the Telegram bot (polling, or webhook if WEBHOOK_URL)")
    run.add_argument(
        "--chat-without-token",
        action="store_true",
        help="without BOT_TOKEN, start the terminal chat instead of stopping",
    )
    run.add_argument(
        "--workers",
        type=int,
        default=1,
        help="webhook worker processes sharing WEBHOOK_PORT (needs PostgreSQL)",
    )
    chat = sub.add_parser("chat", help="try the interview in this terminal (same database)")
    chat.add_argument("--as", dest="who", default="", help="act as this resident (default: you)")
    export = sub.add_parser("export", help="write every problem to a CSV or XLSX file")
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export.add_argument("--out", type=Path, required=True, help="file to write")
    export.add_argument("--since", type=date.fromisoformat, help="first day (YYYY-MM-DD, UTC)")
    export.add_argument("--until", type=date.fromisoformat, help="day after the last (UTC)")
    export.add_argument("--workshop", default="", help="only the problems of this workshop code")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the database migrations")
    _staff_parser(sub)
    add_themes_parser(sub)
    add_workshop_parsers(sub)
    digest = sub.add_parser("digest", help="the staff digest of the last 7 days")
    action = digest.add_mutually_exclusive_group(required=True)
    action.add_argument("--print", action="store_true", help="write it to stdout as plain text")
    action.add_argument("--send", action="store_true", help="send it to every subscriber now")
    languages = load_staff_texts().languages
    digest.add_argument("--language", choices=languages, default="nb", help="for --print")
    return top


def _staff_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    staff = sub.add_parser("staff", help="manage staff accounts")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="make a Telegram user staff (or change their role)")
    add.add_argument("telegram_id", type=_telegram_id, help="their Telegram user id")
    add.add_argument("--role", choices=ROLES, default="staff")
    staff_sub.add_parser("list", help="list staff members")
    remove = staff_sub.add_parser("remove", help="remove a staff member and their subscription")
    remove.add_argument("telegram_id", type=_telegram_id, help="their Telegram user id")
    invite = staff_sub.add_parser("invite", help="print a one-time invitation link (7 days)")
    invite.add_argument("--role", choices=ROLES, default="staff")
    invite.add_argument("--bot-username", help="the bot's username (default: ask Telegram)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        secrets = [s.get_secret_value() for s in (settings.bot_token, settings.secret_key) if s]
        configure_logging(settings.log_level, secrets)
        return _dispatch(args, settings)
    except (SettingsError, ContentError) as error:
        sys.stderr.write(f"innspill: {error}\n")
        return 2


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    match args.command:
        case "run":
            return _run(settings, chat_without_token=args.chat_without_token, workers=args.workers)
        case "chat":
            from bot.app import build_core

            return _chat(build_core(settings, source="terminal"), args.who)
        case "export":
            return _export(settings, args)
        case "db":
            upgrade_database(make_engine(settings.database_url))
            sys.stdout.write("database is up to date\n")
            return 0
        case "staff":
            return _staff(settings, args)
        case "digest":
            return _digest(settings, args)
        case "workshop":
            return run_workshop(
                settings,
                _database(settings),
                args,
                clock=_now,
                username=_bot_username,
                out=sys.stdout,
                err=sys.stderr,
            )
        case "import":
            engine = _database(settings)
            code = run_import(settings, engine, args, clock=_now, out=sys.stdout, err=sys.stderr)
            assign_pending(engine, clock=_now)  # imported notes get their themes too
            return code
        case "themes":
            return run_themes(_database(settings), args, clock=_now, out=sys.stdout)
    return 2


def _run(settings: Settings, *, chat_without_token: bool, workers: int) -> int:
    from bot.app import TelegramRunner, build_core
    from bot.workers import check_workers, run_workers, serve

    if settings.bot_token is None:
        sys.stderr.write(NO_TOKEN_HINT)
        if not chat_without_token:
            return 1
        return _chat(build_core(settings, source="terminal"), "")
    check_workers(settings, workers)
    if workers > 1:
        return run_workers(workers)
    asyncio.run(serve(TelegramRunner(build_core(settings))))
    log.info("stopped")
    return 0


def _chat(core: "Core", who: str) -> int:
    from bot.conversation import pseudonym
    from bot.terminal import run_chat

    resident = pseudonym(core.settings.pseudonym_key(), "terminal", who or getpass.getuser())
    hint = normalise_language_code(os.environ.get("LANG", "").split(".")[0].replace("_", "-"))
    try:
        run_chat(
            core.conversations, resident, stdin=sys.stdin, stdout=sys.stdout, language_hint=hint
        )
    except KeyboardInterrupt:
        sys.stdout.write("\n")
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.reports import write_csv, write_xlsx  # matplotlib-free, but only needed here

    engine = make_engine(settings.database_url)
    upgrade_database(engine)
    assign_pending(engine, clock=_now)  # the export shows every problem's theme
    since = _midnight(args.since)
    until = _midnight(args.until)
    with session_scope(engine) as session:
        records = queries.problem_records(session=session, since=since, until=until)
    if args.workshop:
        records = [record for record in records if record.workshop == args.workshop]
    if args.format == "xlsx":
        write_xlsx(records, args.out, weights=settings.priority_weights)
    else:
        write_csv(records, args.out)
    sys.stdout.write(f"{len(records)} problems written to {args.out}\n")
    return 0


def _midnight(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def _telegram_id(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Telegram user id (a positive number)")
    return int(text)


def _database(settings: Settings) -> Engine:
    """Open and migrate the database, and make ADMIN_IDS admins (as the bot does on start)."""
    engine = make_engine(settings.database_url)
    upgrade_database(engine)
    if settings.admin_ids:
        with session_scope(engine) as session:
            queries.ensure_admins(session=session, telegram_ids=settings.admin_ids, now=_now())
    return engine


def _now() -> datetime:
    return datetime.now(UTC)


def _staff(settings: Settings, args: argparse.Namespace) -> int:
    engine = _database(settings)
    if args.staff_command == "invite":
        return _invite(settings, engine, args.role, args.bot_username)
    with session_scope(engine) as session:
        match args.staff_command:
            case "add":
                queries.add_staff(
                    session=session, telegram_id=args.telegram_id, role=args.role, now=_now()
                )
                sys.stdout.write(f"{args.telegram_id} is now {args.role}\n")
            case "remove":
                if not queries.remove_staff(session=session, telegram_id=args.telegram_id):
                    sys.stderr.write(f"innspill: no staff member {args.telegram_id}\n")
                    return 1
                sys.stdout.write(f"{args.telegram_id} is no longer staff\n")
            case "list":
                _write_staff(queries.list_staff(session=session))
    return 0


def _write_staff(members: Sequence[Staff]) -> None:
    rows = [("TELEGRAM_ID", "ROLE", "LANGUAGE", "DIGEST", "ADDED")]
    rows += [
        (str(m.telegram_id), m.role, m.language, m.frequency or "-", f"{m.created_at:%Y-%m-%d}")
        for m in members
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        sys.stdout.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        sys.stdout.write("\n")


def _invite(settings: Settings, engine: Engine, role: str, bot_username: str | None) -> int:
    from bot.staff import create_invite, invite_link

    username = bot_username or asyncio.run(_bot_username(settings))
    token, expires = create_invite(engine, role=role, now=_now())
    until = expires.astimezone(settings.zone)
    sys.stdout.write(f"{invite_link(username, token)}\n")
    sys.stdout.write(f"one-time link for {role}, valid until {until:%Y-%m-%d %H:%M %Z}\n")
    return 0


async def _bot_username(settings: Settings) -> str:
    from bot.app import make_bot

    bot = make_bot(settings)  # raises SettingsError without BOT_TOKEN
    try:
        me = await bot.get_me()
    finally:
        await bot.session.close()
    if not me.username:
        raise SettingsError("BOT_TOKEN: the bot has no username; pass --bot-username")
    return me.username


def _digest(settings: Settings, args: argparse.Namespace) -> int:
    content = load_content(settings.interview_file)
    texts = load_staff_texts()
    engine = _database(settings)
    assign_pending(engine, clock=_now)  # problems saved since the bot last assigned themes
    builder = DigestBuilder(
        engine=engine,
        content=content,
        texts=texts,
        zone=settings.zone,
        weights=settings.priority_weights,
    )
    if args.print:
        period = rolling_period(_now(), ROLLING_DAYS)
        heading = texts.plain("digest_rolling", args.language)
        sys.stdout.write(f"{heading}\n\n{builder.plain(period, args.language)}\n")
        return 0
    sent, owed = asyncio.run(_send_digests(settings, builder))
    sys.stdout.write(f"{sent} of {owed} digests sent\n")
    return 0 if sent >= owed else 1


async def _send_digests(settings: Settings, builder: DigestBuilder) -> tuple[int, int]:
    from bot.app import make_bot
    from bot.delivery import Delivery
    from bot.scheduler import DigestOutbox

    bot = make_bot(settings)
    try:
        outbox = DigestOutbox(
            builder=builder, delivery=Delivery(bot), clock=_now, digest_time=settings.digest_time
        )
        owed = await asyncio.to_thread(outbox.record_now, _now())
        sent = 0
        while batch := await outbox.send_due():  # a look sends at most 100: go on until done
            sent += batch
        return sent, owed
    finally:
        await bot.session.close()


if __name__ == "__main__":
    raise SystemExit(main())
