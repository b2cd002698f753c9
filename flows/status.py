"""What became of a report: the statuses staff give themes and problems, and the news to send.

A theme (or, where staff choose, a single problem) is *received* until staff say otherwise.
Every change carries a public note written once by staff; *declined* needs one (the reason).
Residents who agreed to hear back get one message per change in their language, with the
note as it was written and a line naming the language it is in (and, when the transport had
it machine-translated into their language, the translation, marked as such). Changes within
``COALESCE_WINDOW`` of the first unsent one become one message: the latest status.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from flows.callback import Answer
from flows.content import Content
from flows.outputs import Choice, Label, Nested, ParamValue, Reply
from flows.state import Step

RECEIVED: Final = "received"
DECLINED: Final = "declined"
STATUSES: Final = (RECEIVED, "reviewing", "planned", "in_progress", "done", DECLINED)
NOTE_MAX: Final = 1000  # a note is read on a phone; the whole message stays far below 4096
COALESCE_WINDOW: Final = timedelta(hours=1)
REFERENCES_SHOWN: Final = 10  # more than this many reports are summed up as "… and N more"


class StatusRefused(ValueError):
    """A status change staff asked for cannot be made; ``reason`` is a staff text key."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_change(status: str, note: str) -> str:
    """Return the note to keep for a change to ``status``; raise StatusRefused if wrong."""
    if status not in STATUSES:
        raise StatusRefused("status_unknown")
    kept = note.strip()  # shown as written, line breaks and all
    if status == DECLINED and not kept:
        raise StatusRefused("status_reason_needed")
    if len(kept) > NOTE_MAX:
        raise StatusRefused("status_note_too_long")
    return kept


def status_label(status: str) -> Label:
    """Return the localisable name of a status (a text key of the content files)."""
    return Label(f"status_{status if status in STATUSES else RECEIVED}")


@dataclass(frozen=True, slots=True)
class StatusNoticeMessage:
    """A status message leased for sending: where it goes and what it says."""

    id: int
    chat_id: int | None  # None: the resident withdrew; nothing is sent
    language: str
    status: str
    note: str
    note_language: str
    reports: tuple[int, ...]  # the resident's own problems in the theme
    endorsed: tuple[int, ...]  # others' problems there they said "me too" to
    attempts: int = 0
    note_translated: str = ""  # the note machine-translated into ``language``, if it was

    @property
    def sendable(self) -> bool:
        """Tell whether there is anyone to tell about anything."""
        return self.chat_id is not None and bool(self.reports or self.endorsed)


def references(ids: Sequence[int]) -> str:
    """Return report numbers as residents see them: "#12, #15" (long lists cut short)."""
    shown = ", ".join(f"#{n}" for n in ids[:REFERENCES_SHOWN])
    rest = len(ids) - REFERENCES_SHOWN
    return f"{shown} (+{rest})" if rest > 0 else shown


def note_language_name(code: str, content: Content) -> str:
    """Return the name of the language a note is written in, if we offer it ("" if not)."""
    return content.language_names.get(code, "")


def status_notice(message: StatusNoticeMessage, content: Content) -> Reply:
    """Build the one message that tells a resident a theme's status changed."""
    params: dict[str, ParamValue] = {
        "reports": references(message.reports),
        "endorsed": references(message.endorsed),
        "status": status_label(message.status),
        "note": message.note,
        "note_language": note_language_name(message.note_language, content)
        if message.note
        else "",
        "note_translated": machine_translated(message.note_translated),
    }
    return Reply("status_notice", params)


def machine_translated(text: str) -> ParamValue:
    """Return a note's machine translation, marked as one ("" when there is none)."""
    return Nested(Reply("note_machine_translated", {"text": text})) if text.strip() else ""


def hear_back_question() -> Reply:
    """Ask once whether the resident wants to hear what happens with what they reported."""
    choices = (
        (
            Choice(Answer(Step.HEAR_BACK, "yes").pack(), Label("btn_hear_back_yes")),
            Choice(Answer(Step.HEAR_BACK, "no").pack(), Label("btn_hear_back_no")),
        ),
    )
    return Reply("hear_back_ask", choices=choices)


@dataclass(frozen=True, slots=True)
class ProblemStatus:
    """One of a resident's reports with what became of it, as /mine shows it."""

    id: int
    text: str
    status: str
    note: str
    note_language: str
    changed_at: datetime | None  # None: never changed (received)


def preview_notices(
    content: Content, status: str, note: str, note_language: str
) -> dict[str, Reply]:
    """Return the message a change would send, in each offered language (for staff to check)."""
    sample = StatusNoticeMessage(0, 0, "", status, note, note_language, (1,), ())
    return {language: status_notice(sample, content) for language in content.languages}


def note_language_of(detected: str, offered: Sequence[str]) -> str:
    """Return the language to name for a note: the detected one if offered, else ""."""
    return detected if detected in offered else ""
