"""Set a status for staff (Telegram, CLI, workspace) and tell who will hear of it.

Each change is checked by ``flows.status``, stored with who made it, and the news is owed to
every resident who agreed to hear back, in one transaction (with the workspace's staff action
log line, when a member made it there); ``bot.jobs.notices`` sends it.
"""

import html
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from flows.content import Content
from flows.language import detect_language
from flows.own_reports import OwnReport
from flows.render import Rendered, render
from flows.status import StatusRefused, check_change, note_language_of, preview_notices
from storage import queries
from storage.database import Database
from storage.queries.statuses import Target


@dataclass(frozen=True, slots=True)
class StatusSet:
    """A change that was made: its id, and how many residents will be told."""

    change_id: int
    status: str
    residents: int


def change_status(
    db: Database,
    content: Content,
    *,
    target: Target,
    status: str,
    note: str,
    changed_by: str,
    now: datetime,
    note_language: str = "",
    hint: str | None = None,
    logged_for: int | None = None,
) -> StatusSet:
    """Give a theme or problem a new status; raise StatusRefused with a staff text key.

    ``logged_for`` (a staff member's Telegram id) also writes the staff action log line, in
    the same transaction: the change, its history and the log line are kept together or not.
    """
    kept = check_change(status, note)
    language = note_language or _detected(kept, hint)
    return db.call(
        _store,
        target=target,
        status=status,
        note=kept,
        note_language=note_language_of(language, content.languages),
        changed_by=changed_by,
        now=now,
        logged_for=logged_for,
    )


def _detected(note: str, hint: str | None) -> str:
    return detect_language(note, hint=hint) if note else ""


def _store(
    session: Session,
    *,
    target: Target,
    status: str,
    note: str,
    note_language: str,
    changed_by: str,
    now: datetime,
    logged_for: int | None,
) -> StatusSet:
    if not queries.target_exists(session=session, target=target):
        raise StatusRefused("status_no_target")
    change = queries.add_status_change(
        session=session,
        target=target,
        status=status,
        note=note,
        note_language=note_language,
        changed_by=changed_by,
        now=now,
    )
    reached = queries.owe_notices(session=session, change=change, now=now)
    assert change.id is not None  # flushed
    if logged_for is not None:
        queries.log_action(
            session=session,
            telegram_id=logged_for,
            action="status",
            target=_logged_target(target),
            detail=f"{status}, {reached} residents to be told",
            now=now,
        )
        session.flush()  # a refused log line undoes the change with it
    return StatusSet(change.id, status, reached)


def _logged_target(target: Target) -> str:
    if target.theme_id is not None:
        return f"theme:{target.theme_id}"
    return f"problem:{target.problem_id}"


def current_statuses(
    session: Session, reports: list[OwnReport], *, translated_into: str = ""
) -> list[OwnReport]:
    """Give each report the status staff set (its own, else its theme's) and the note.

    With ``translated_into`` (a language), a note's machine translation into it is added
    where one was kept (``bot.services.translation`` makes them, outside any transaction).
    """
    found = queries.status_of_problems(session=session, problem_ids=[r.id for r in reports])
    notes = {s.note for s in found.values() if s.note and s.note_language != translated_into}
    kept = (
        queries.note_translations(session=session, notes=notes, target=translated_into)
        if translated_into and notes
        else {}
    )
    # A "translation" that only repeats the note (it was in that language after all) is none.
    translations = {note: text for note, text in kept.items() if text.strip() != note.strip()}
    return [
        replace(
            report,
            status=found[report.id].status,
            note=found[report.id].note,
            note_translated=translations.get(found[report.id].note, ""),
        )
        if report.id in found
        else report
        for report in reports
    ]


@dataclass(frozen=True, slots=True)
class Preview:
    """What staff see before confirming a change: who is told, and the message per language."""

    residents: int  # "23 residents will get this message"
    by_language: dict[str, int]
    messages: dict[str, Rendered]


def preview_change(
    db: Database, content: Content, *, target: Target, status: str, note: str, hint: str = ""
) -> Preview:
    """Return the preview of a change (nothing is stored); raise StatusRefused if wrong."""
    kept = check_change(status, note)
    language = note_language_of(_detected(kept, hint or None), content.languages)
    by_language = db.call(queries.residents_by_language, target=target)
    replies = preview_notices(content, status, kept, language)
    messages = {code: render(reply, content, code, _escape) for code, reply in replies.items()}
    return Preview(sum(by_language.values()), by_language, messages)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
