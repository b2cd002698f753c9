"""The digest's "You said, we did": the status changes of a period and how many were told."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flows.digest import trim
from flows.staff_texts import StaffTexts

NOTE_CHARS = 160  # a digest line, not the whole note


@dataclass(frozen=True, slots=True)
class ChangeLine:
    """A status change of the period, as the digest lists it."""

    theme_id: int | None
    problem_id: int | None
    label: str  # the theme's label, "" for a single problem
    status: str
    note: str
    at: datetime
    told: int  # residents whose message about this change was sent


def loop_section(
    changes: Sequence[ChangeLine], texts: StaffTexts, language: str, *, html: bool
) -> str:
    """Render the section, or "" when no status changed in the period."""
    if not changes:
        return ""
    write = texts.html if html else texts.plain
    lines = [write("digest_loop_title", language)]
    for change in changes:
        lines.append(
            write(
                "digest_loop_item",
                language,
                target=_target(change, texts, language),
                status=texts.plain(f"status_{change.status}", language),
                told=str(change.told),
            )
        )
        if change.note:
            lines.append(write("digest_loop_note", language, note=trim(change.note, NOTE_CHARS)))
    return "\n".join(lines)


def _target(change: ChangeLine, texts: StaffTexts, language: str) -> str:
    if change.theme_id is None:
        return texts.plain("status_target_problem", language, id=str(change.problem_id))
    name = texts.plain("status_target_theme", language, id=str(change.theme_id))
    return f"{name} «{change.label}»" if change.label else name
