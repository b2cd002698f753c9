"""Status commands for staff: ``innspill themes status|public|history`` and ``/theme status``.

Both ends call ``bot.services.statuses``; a refused change is answered with the staff text
that says why (unknown status, a decline without a reason, no such theme).
"""

import argparse
import getpass
from collections.abc import Callable
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.services.statuses import change_status
from flows.content import Content
from flows.staff_texts import StaffTexts
from flows.status import StatusRefused
from storage import queries
from storage.database import Database
from storage.queries.statuses import Target

Clock = Callable[[], datetime]
CLI_LANGUAGE = "en"  # the terminal speaks English, as the rest of the CLI does


def parse_target(word: str) -> Target | None:
    """Read a theme number ("3") or a single problem ("p42" or "#42"); None if neither."""
    if word.isdigit():
        return Target(theme_id=int(word))
    bare = word[1:] if word[:1] in ("p", "P", "#") else ""
    return Target(problem_id=int(bare)) if bare.isdigit() else None


def target_name(texts: StaffTexts, target: Target, language: str) -> str:
    """Return "Theme 3" or "Report #42" in the staff member's language."""
    if target.theme_id is not None:
        return texts.plain("status_target_theme", language, id=str(target.theme_id))
    return texts.plain("status_target_problem", language, id=str(target.problem_id))


def status_reply(
    db: Database,
    content: Content,
    texts: StaffTexts,
    argument: str,
    language: str,
    *,
    clock: Clock,
    changed_by: str,
) -> str:
    """Answer "/theme status ID STATUS note…" or "/theme public ID on|off" as HTML."""
    words = argument.split(maxsplit=3)
    if words[:1] == ["public"]:
        return _public(db, texts, words[1:], language, clock)
    target = parse_target(words[1]) if len(words) >= 3 else None
    if target is None:
        return texts.html("status_usage", language)
    note = words[3] if len(words) == 4 else ""
    try:
        done = change_status(
            db,
            content,
            target=target,
            status=words[2].lower(),
            note=note,
            changed_by=changed_by,
            now=clock(),
            hint=language,
        )
    except StatusRefused as refused:
        return texts.html(refused.reason, language, target=target_name(texts, target, language))
    return texts.html(
        "status_set",
        language,
        target=target_name(texts, target, language),
        status=texts.plain(f"status_{done.status}", language),
        residents=str(done.residents),
    )


def _public(db: Database, texts: StaffTexts, words: list[str], language: str, clock: Clock) -> str:
    if len(words) != 2 or not words[0].isdigit() or words[1].lower() not in ("on", "off"):
        return texts.html("status_usage", language)
    key = _publish(db, int(words[0]), words[1].lower() == "on", clock)
    return texts.html(key, language, id=words[0])


def _publish(db: Database, theme_id: int, public: bool, clock: Clock) -> str:
    """Show or hide a theme on the results page; return the staff text that says so."""
    if not db.call(queries.set_public, theme_id=theme_id, public=public, now=clock()):
        return "theme_unknown"
    return "theme_public" if public else "theme_private"


def run_statuses(
    db: Database,
    content: Content,
    texts: StaffTexts,
    args: argparse.Namespace,
    *,
    clock: Clock,
    zone: ZoneInfo,
    out: TextIO,
) -> int:
    """Run ``innspill themes status``, ``public`` or ``history``; return the exit status."""
    target = Target(problem_id=args.id) if args.problem else Target(theme_id=args.id)
    if args.themes_command == "public":
        key = _publish(db, args.id, args.state == "on", clock)
        out.write(texts.plain(key, CLI_LANGUAGE, id=str(args.id)) + "\n")
        return 1 if key == "theme_unknown" else 0
    if args.themes_command == "history":
        return _history(db, texts, target, zone, out)
    try:
        done = change_status(
            db,
            content,
            target=target,
            status=args.status,
            note=args.note,
            changed_by=f"cli:{getpass.getuser()}",
            now=clock(),
            note_language=args.language,
        )
    except StatusRefused as refused:
        name = target_name(texts, target, CLI_LANGUAGE)
        out.write(f"innspill: {texts.plain(refused.reason, CLI_LANGUAGE, target=name)}\n")
        return 1
    status = texts.plain(f"status_{done.status}", CLI_LANGUAGE)
    name = target_name(texts, target, CLI_LANGUAGE)
    residents = str(done.residents)
    text = texts.plain("status_set", CLI_LANGUAGE, target=name, status=status, residents=residents)
    out.write(text + "\n")
    return 0


def _history(db: Database, texts: StaffTexts, target: Target, zone: ZoneInfo, out: TextIO) -> int:
    changes = db.call(queries.status_history, target=target)
    if not changes:
        out.write(f"{target_name(texts, target, CLI_LANGUAGE)}: received (never changed)\n")
    for change in changes:
        when = f"{change.created_at.astimezone(zone):%Y-%m-%d %H:%M}"
        line = f"{when}\t{change.status}\t{change.changed_by}\t{change.note_language or '-'}"
        out.write(f"{line}\t{change.note}\n")
    return 0
