"""What every ``innspill`` command accepts: the argument parser, and nothing heavy.

``innspill --help`` and a wrong argument must answer at once, so this module imports only the
standard library; each command's code is imported when that command runs (bot/cli/main.py).
"""

import argparse
from datetime import date
from pathlib import Path

DESCRIPTION = "Run the Innspill bot, its terminal chat, exports, staff, digests and the database."
ROLES = ("staff", "admin")


def parser() -> argparse.ArgumentParser:
    """Describe every sub-command and its options."""
    top = argparse.ArgumentParser(prog="innspill", description=DESCRIPTION)
    top.add_argument("--debug", action="store_true", help="print the full traceback of an error")
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
    web = sub.add_parser("web", help="serve only the staff workspace (no Telegram needed)")
    web.add_argument("--bot-username", default="", help="the bot's username, for QR posters")
    chat = sub.add_parser("chat", help="try the interview in this terminal (same database)")
    chat.add_argument("--as", dest="who", default="", help="act as this resident (default: you)")
    export = sub.add_parser("export", help="write every problem to a CSV or XLSX file")
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export.add_argument("--out", type=Path, required=True, help="file to write")
    export.add_argument("--since", type=date.fromisoformat, help="first day (YYYY-MM-DD, UTC)")
    export.add_argument("--until", type=date.fromisoformat, help="day after the last (UTC)")
    export.add_argument("--workshop", default="", help="only the problems of this workshop code")
    export.add_argument(
        "--labels", action="store_true", help="CSV: names of groups, areas… instead of keys"
    )
    export.add_argument("--language", default="nb", help="nb, nn or en: the names and headers")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the database migrations")
    backup = db_sub.add_parser("backup", help="write a consistent copy of the SQLite database")
    backup.add_argument("file", type=Path, help="the new backup file")
    restore = db_sub.add_parser("restore", help="put a backup file back (checked first)")
    restore.add_argument("file", type=Path, help="a file written by `innspill db backup`")
    restore.add_argument(
        "--force", action="store_true", help="replace a database that already holds data"
    )
    copy = db_sub.add_parser("copy", help="copy every row to another (empty) database")
    copy.add_argument("--to", required=True, help="its URL, e.g. postgresql+psycopg://u@h/db")
    sub.add_parser("doctor", help="check the settings, files, database and Telegram")
    _staff(sub)
    _themes(sub)
    _workshops(sub)
    digest = sub.add_parser("digest", help="the staff digest of the last 7 days")
    action = digest.add_mutually_exclusive_group(required=True)
    action.add_argument("--print", action="store_true", help="write it to stdout as plain text")
    action.add_argument("--send", action="store_true", help="send it to every subscriber now")
    digest.add_argument("--language", default="nb", help="nb, nn or en (for --print)")
    return top


def _staff(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    staff = sub.add_parser("staff", help="manage staff accounts")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="make a Telegram user staff (or change their role)")
    add.add_argument("telegram_id", type=_telegram_id, help="their Telegram user id")
    add.add_argument("--role", choices=ROLES, default="staff")
    staff_sub.add_parser("list", help="list staff members")
    remove = staff_sub.add_parser("remove", help="remove a staff member and their subscription")
    remove.add_argument("telegram_id", type=_telegram_id, help="their Telegram user id")
    link = staff_sub.add_parser("link", help="print a one-time sign-in link to the workspace")
    link.add_argument("telegram_id", type=_telegram_id, help="the staff member's Telegram user id")
    invite = staff_sub.add_parser("invite", help="print a one-time invitation link (7 days)")
    invite.add_argument("--role", choices=ROLES, default="staff")
    invite.add_argument("--bot-username", help="the bot's username (default: ask Telegram)")


def _themes(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Describe ``innspill themes`` and its sub-commands."""
    themes = sub.add_parser(
        "themes", help="recurring themes: assign, rebuild, list, rename, merge"
    )
    themes_sub = themes.add_subparsers(dest="themes_command", required=True)
    themes_sub.add_parser("assign", help="give every problem without a theme one now")
    rebuild = themes_sub.add_parser("rebuild", help="re-cluster the problems from scratch")
    rebuild.add_argument(
        "--since", type=date.fromisoformat, help="only problems from this day (YYYY-MM-DD, UTC)"
    )
    listing = themes_sub.add_parser("list", help="the largest themes with a few quotes each")
    listing.add_argument("--limit", type=int, default=20, help="how many themes (default 20)")
    listing.add_argument(
        "--format", choices=("table", "csv"), default="table", help="csv: for machines"
    )
    rename_parser = themes_sub.add_parser("rename", help="give a theme your own label")
    rename_parser.add_argument("theme", type=int, help="the theme id (see `themes list`)")
    rename_parser.add_argument("label", help='the new label; "" returns to the automatic one')
    merge = themes_sub.add_parser("merge", help="move every problem of ABSORB into KEEP")
    merge.add_argument("keep", type=int, help="the theme that stays")
    merge.add_argument("absorb", type=int, help="the theme whose problems move")
    _statuses(themes_sub)


STATUSES = ("received", "reviewing", "planned", "in_progress", "done", "declined")


def _statuses(themes_sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``themes status``, ``themes history`` and ``themes public``."""
    status = themes_sub.add_parser("status", help="give a theme (or a problem) a new status")
    status.add_argument("id", type=int, help="the theme id (with --problem: a problem id)")
    status.add_argument("status", choices=STATUSES)
    status.add_argument("--note", default="", help="public note residents read (declined: why)")
    status.add_argument("--problem", action="store_true", help="ID is a single problem")
    status.add_argument("--language", default="", help="the note's language (default: detected)")
    history = themes_sub.add_parser("history", help="every status change: who, when, note")
    history.add_argument("id", type=int, help="the theme id (with --problem: a problem id)")
    history.add_argument("--problem", action="store_true", help="ID is a single problem")
    public = themes_sub.add_parser("public", help="show a theme on the public results page")
    public.add_argument("id", type=int, help="the theme id")
    public.add_argument("state", choices=("on", "off"))
    public.set_defaults(problem=False)


def _workshops(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``workshop create``, ``workshop list`` and ``import``."""
    workshop = sub.add_parser("workshop", help="problem workshops: links, QR codes, follow-ups")
    actions = workshop.add_subparsers(dest="workshop_command", required=True)
    create = actions.add_parser("create", help="create a workshop; print its link, write its QR")
    create.add_argument("--name", required=True, help='e.g. "Seniortreff på Biri"')
    create.add_argument("--group", required=True, help="a group's key or name")
    create.add_argument("--area", required=True, help="an area's key or name")
    create.add_argument("--date", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    create.add_argument("--followups", help="offsets, e.g. 1d,14d (default), '' for none")
    create.add_argument("--code", default="", help="choose the code (default: a random one)")
    create.add_argument(
        "--qr", type=Path, help="poster PNG to write, and a PDF beside it (workshop-CODE.png)"
    )
    create.add_argument(
        "--qr-only", action="store_true", help="write only the plain QR code, no poster"
    )
    create.add_argument("--bot-username", help="the bot's username (default: ask Telegram)")
    actions.add_parser("list", help="list workshops with participants, problems, answers")
    notes = sub.add_parser("import", help="import problems from a CSV file of workshop notes")
    notes.add_argument("file", type=Path, help="CSV: text, group, area, frequency, severity, …")
    notes.add_argument("--workshop", default="", help="tag every row with this workshop code")
    notes.add_argument(
        "--skip-invalid", action="store_true", help="import the valid rows, list the others"
    )


def _telegram_id(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Telegram user id (a positive number)")
    return int(text)
