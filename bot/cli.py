"""The ``innspill`` command: run the bot, chat in the terminal, export, manage the database."""

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from bot.app import Core, TelegramRunner, build_core
from bot.conversation import pseudonym
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from bot.terminal import run_chat
from flows.content import ContentError
from flows.language import normalise_language_code
from storage import queries
from storage.engine import make_engine, session_scope, upgrade_database

log = logging.getLogger(__name__)
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
    chat = sub.add_parser("chat", help="try the interview in this terminal (same database)")
    chat.add_argument("--as", dest="who", default="", help="act as this resident (default: you)")
    export = sub.add_parser("export", help="write every problem to a CSV or XLSX file")
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export.add_argument("--out", type=Path, required=True, help="file to write")
    export.add_argument("--since", type=date.fromisoformat, help="first day (YYYY-MM-DD, UTC)")
    export.add_argument("--until", type=date.fromisoformat, help="day after the last (UTC)")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the database migrations")
    return top


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
            return _run(settings, chat_without_token=args.chat_without_token)
        case "chat":
            return _chat(build_core(settings, source="terminal"), args.who)
        case "export":
            return _export(settings, args)
        case "db":
            upgrade_database(make_engine(settings.database_url))
            sys.stdout.write("database is up to date\n")
            return 0
    return 2


def _run(settings: Settings, *, chat_without_token: bool) -> int:
    if settings.bot_token is None:
        sys.stderr.write(NO_TOKEN_HINT)
        if not chat_without_token:
            return 1
        return _chat(build_core(settings, source="terminal"), "")
    runner = TelegramRunner(build_core(settings))
    try:
        asyncio.run(runner.run())
    except KeyboardInterrupt:
        log.info("stopped")
    return 0


def _chat(core: Core, who: str) -> int:
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
    since = _midnight(args.since)
    until = _midnight(args.until)
    with session_scope(engine) as session:
        records = queries.problem_records(session=session, since=since, until=until)
    writer = write_xlsx if args.format == "xlsx" else write_csv
    writer(records, args.out)
    sys.stdout.write(f"{len(records)} problems written to {args.out}\n")
    return 0


def _midnight(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


if __name__ == "__main__":
    raise SystemExit(main())
