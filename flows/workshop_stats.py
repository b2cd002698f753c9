"""Workshops as staff see them: the counts per workshop and the digest's workshop section."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flows.digest import shown
from flows.staff_texts import StaffTexts


@dataclass(frozen=True, slots=True)
class WorkshopStats:
    """One workshop as staff see it in ``/workshops`` and ``innspill workshop list``."""

    code: str
    name: str
    held_on: str  # YYYY-MM-DD
    group: str
    area: str
    participants: int
    problems: int
    follow_ups_sent: int
    follow_ups_answered: int

    @property
    def response_rate(self) -> str:
        """Return the share of sent follow-ups that got an answer, e.g. "50 %", or "—"."""
        if not self.follow_ups_sent:
            return "—"
        return f"{round(100 * self.follow_ups_answered / self.follow_ups_sent)} %"


def workshop_section(
    stats: Sequence[WorkshopStats], texts: StaffTexts, language: str, *, html: bool
) -> str:
    """Render the digest's list of the period's workshops ("" if none); counts under 5 hidden."""
    if not stats:
        return ""
    fill = texts.html if html else texts.plain
    lines = [fill("digest_workshops", language)]
    lines += [
        fill(
            "digest_workshop_item",
            language,
            name=s.name,
            date=f"{date.fromisoformat(s.held_on):%d.%m.%Y}",
            participants=shown(s.participants),
            problems=shown(s.problems),
            answers=shown(s.follow_ups_answered),
        )
        for s in stats
    ]
    return "\n".join(lines)
