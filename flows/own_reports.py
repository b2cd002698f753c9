"""What a resident sees of their own reports: /mine, and the readable part of /mydata."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flows.closing import reference
from flows.outputs import Label, Nested, ParamValue, Reply
from flows.status import machine_translated

EXCERPT_CHARS = 80
RECEIVED = "received"  # every report's status until staff give it another


@dataclass(frozen=True, slots=True)
class OwnReport:
    """One of the resident's stored problems, with the status staff gave it."""

    id: int
    created_at: datetime
    text: str
    area: str = ""
    place: str = ""
    status: str = RECEIVED
    note: str = ""  # the staff's public note with the status, as written
    note_translated: str = ""  # and machine-translated into the resident's language, if it was


def excerpt(text: str) -> str:
    """Return the start of a text on one line, cut at a word."""
    line = " ".join(text.split())
    if len(line) <= EXCERPT_CHARS:
        return line
    return line[:EXCERPT_CHARS].rsplit(" ", 1)[0] + "…"


def reports_reply(reports: Sequence[OwnReport], prefix: str) -> Reply:
    """List the resident's reports: reference, date, status and an excerpt each."""
    if not reports:
        return Reply("mine_empty")
    items = tuple(
        Nested(
            Reply(
                "own_item",
                {
                    "reference": reference(prefix, report.id),
                    "date": f"{report.created_at:%d.%m.%Y}",
                    "excerpt": excerpt(report.text),
                    "status": Label(f"status_{report.status}"),
                    "note": report.note,
                    "note_translated": machine_translated(report.note_translated),
                },
            )
        )
        for report in reports
    )
    return Reply("mine_heading", {"items": items})


def my_data_replies(
    reports: Sequence[OwnReport], *, language: str, consented_at: datetime | None, prefix: str
) -> list[Reply]:
    """Summarise in words what is stored about the resident: language, consent, each report."""
    problems = tuple(
        Nested(
            Reply(
                "mydata_problem",
                {
                    "reference": reference(prefix, report.id),
                    "date": f"{report.created_at:%d.%m.%Y}",
                    "text": report.text,
                    "area": Label(f"area:{report.area}" if report.area else "not_given"),
                    "place": report.place or "—",
                },
            )
        )
        for report in reports
    ) or (Nested(Reply("mydata_no_problems")),)
    summary: dict[str, ParamValue] = {
        "language": language,
        "consent": f"{consented_at:%d.%m.%Y}" if consented_at else "—",
        "count": len(reports),
        "problems": problems,
    }
    return [Reply("mydata_heading"), Reply("mydata_summary", summary)]
