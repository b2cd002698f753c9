"""What each ``innspill`` command does, once its arguments and the settings are checked."""

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from bot.cli.database import run_db
from bot.cli.statuses import run_statuses
from bot.cli.themes import run_themes
from bot.cli.words import counted
from bot.cli.workshops import run_import, run_workshop
from bot.content_files import load_content, load_staff_texts
from bot.jobs.themes import assign_pending
from bot.services.digests import ROLLING_DAYS, DigestBuilder
from bot.services.translation import make_translator, translated_records
from bot.settings import Settings, SettingsError
from flows.concepts import STAFF_LANGUAGES
from flows.language import normalise_language_code
from flows.periods import rolling_period
from flows.records import label_in
from storage import queries
from storage.database import Database
from storage.engine import make_engine, session_scope, upgrade_database
from storage.models import Staff

# aiogram takes seconds to import: bot.app, bot.telegram.*, bot.jobs.ticker (and so aiogram)
# are imported only by the commands that talk to Telegram or run the interview.
if TYPE_CHECKING:
    from bot.app import Core

log = logging.getLogger(__name__)


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    """Run the parsed command with checked settings; return the exit status."""
    match args.command:
        case "run":
            return _run(settings, workers=args.workers)
        case "web":
            return _web(settings, args.bot_username)
        case "chat":
            from bot.app import build_core

            return _chat(build_core(settings, source="terminal"), args.who)
        case "export":
            return _export(settings, args)
        case "db":
            return run_db(settings, args, out=sys.stdout, err=sys.stderr)
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
        case "themes" if args.themes_command in STATUS_COMMANDS:
            return _statuses(settings, args)
        case "themes":
            return run_themes(_database(settings), args, clock=_now, out=sys.stdout)
    return 2


STATUS_COMMANDS = ("status", "history", "public")


def _statuses(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``innspill themes status|history|public``."""
    db = Database(_database(settings))
    content = load_content(settings.interview_file)
    return run_statuses(
        db, content, load_staff_texts(), args, clock=_now, zone=settings.zone, out=sys.stdout
    )


def _run(settings: Settings, *, workers: int) -> int:
    from bot.telegram.models import import_aiogram

    import_aiogram()  # before anything else imports it: validators built on first use
    from bot.app import TelegramRunner, build_core
    from bot.malloc import limit_arenas
    from bot.metrics import shared_counters
    from bot.telegram.workers import check_workers, run_workers, serve

    check_workers(settings, workers)
    if workers > 1:
        with shared_counters():  # so /metrics adds up the counters of every worker
            return run_workers(workers)
    limit_arenas()  # before any thread allocates
    asyncio.run(serve(TelegramRunner(build_core(settings))))
    log.info("stopped")
    return 0


def _chat(core: "Core", who: str) -> int:
    from bot.cli.terminal import run_chat
    from bot.services.conversation import pseudonym

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
    from bot.artefacts.reports import write_csv  # openpyxl: only for a workbook

    engine = make_engine(settings.database_url)
    upgrade_database(engine)
    assign_pending(engine, clock=_now)  # the export shows every problem's theme
    since = _midnight(args.since)
    until = _midnight(args.until)
    content = load_content(settings.interview_file)
    language = args.language if args.language in content.languages else content.languages[0]
    reader = language if language in STAFF_LANGUAGES else "nb"  # theme labels, translations
    with session_scope(engine) as session:
        records = queries.problem_records(
            session=session, since=since, until=until, language=reader
        )
        themes = {record.theme for record in records if record.theme}
        statuses = queries.theme_statuses(session=session, theme_ids=themes)
    if args.workshop:
        records = [record for record in records if record.workshop == args.workshop]
    names = (lambda key: content.name(key, language)) if args.labels else None
    translator = make_translator(settings, Database(engine), _now)
    records = translated_records(translator, records, reader)
    if args.format == "xlsx":
        from bot.artefacts.workbook import Words, write_workbook

        texts = load_staff_texts()
        if language not in texts.languages:
            raise SettingsError(f"--language: {language!r} is not offered for staff files")
        words = Words(texts, language, lambda key: content.name(key, language), label_in(language))
        write_workbook(
            records,
            args.out,
            words,
            zone=settings.zone,
            weights=settings.priority_weights,
            statuses=statuses,
        )
    else:
        write_csv(records, args.out, names, zone=settings.zone)
    sys.stdout.write(f"{counted(len(records), 'problem')} written to {args.out}\n")
    return 0


def _midnight(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


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
    if args.staff_command == "link":
        return _sign_in_link(settings, engine, args.telegram_id)
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


def _sign_in_link(settings: Settings, engine: Engine, telegram_id: int) -> int:
    from bot.web.auth import LINK_LIFETIME, issue_link

    link = issue_link(
        Database(engine), telegram_id=telegram_id, now=_now(), public_url=settings.workspace_url
    )
    if link is None:
        sys.stderr.write(f"innspill: {telegram_id} is not staff (see `innspill staff add`)\n")
        return 1
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    sys.stdout.write(f"{link}\none-time sign-in link, valid for {minutes} minutes\n")
    return 0


def _web(settings: Settings, bot_username: str) -> int:
    from bot.app import build_core
    from bot.web.app import make_app
    from bot.web.context import workspace_context
    from bot.web.server import WebServer

    core = build_core(settings)
    context = workspace_context(core)
    context.bot_username = bot_username

    async def serve() -> None:
        server = WebServer(settings.web_host, settings.web_port, lambda: make_app(context))
        await server.start()
        sys.stdout.write(f"workspace at {settings.workspace_url} (Ctrl-C stops it)\n")
        sys.stdout.flush()
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        sys.stdout.write("\n")
    return 0


def _invite(settings: Settings, engine: Engine, role: str, bot_username: str | None) -> int:
    from bot.telegram.staff_access import create_invite, invite_link

    username = bot_username or asyncio.run(_bot_username(settings))
    token, expires = create_invite(Database(engine), role=role, now=_now())
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
    texts = load_staff_texts()
    if args.language not in texts.languages:
        offered = ", ".join(texts.languages)
        raise SettingsError(f"--language: {args.language!r} is not offered (choose {offered})")
    content = load_content(settings.interview_file)
    engine = _database(settings)
    assign_pending(engine, clock=_now)  # problems saved since the bot last assigned themes
    db = Database(engine)
    builder = DigestBuilder(
        db=db,
        content=content,
        texts=texts,
        zone=settings.zone,
        weights=settings.priority_weights,
        translator=make_translator(settings, db, _now),
    )
    if args.print:
        period = rolling_period(_now(), ROLLING_DAYS)
        heading = texts.plain("digest_rolling", args.language)
        sys.stdout.write(f"{heading}\n\n{builder.plain(period, args.language)}\n")
        return 0
    sent, owed = asyncio.run(_send_digests(settings, builder))
    sys.stdout.write(f"{sent} of {counted(owed, 'digest')} sent\n")
    return 0 if sent >= owed else 1


async def _send_digests(settings: Settings, builder: DigestBuilder) -> tuple[int, int]:
    from bot.app import make_bot
    from bot.jobs.digests import DigestOutbox
    from bot.telegram.delivery import Delivery

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
