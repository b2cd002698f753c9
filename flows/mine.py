"""/mine: a resident's reports with what became of each, as plain values to render.

The statuses come from ``storage.queries.status_of_problems`` (or ``resident_statuses``); the
transport renders the replies in the resident's language and sends them as one message.
"""

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from flows.content import Content
from flows.outputs import ParamValue, Reply
from flows.privacy import anonymised
from flows.status import ProblemStatus, note_language_name, status_label

MINE_SHOWN = 20  # the newest reports; a long list is cut rather than sent in many messages


def mine_replies(
    statuses: Sequence[ProblemStatus], content: Content, zone: ZoneInfo
) -> list[Reply]:
    """Return the title and one item per report (newest last), or a "nothing yet" reply."""
    if not statuses:
        return [Reply("mine_none")]
    return [Reply("mine_title"), *(mine_item(s, content, zone) for s in statuses[-MINE_SHOWN:])]


def mine_item(status: ProblemStatus, content: Content, zone: ZoneInfo) -> Reply:
    """Return one report with its status, when it last changed and the staff's note."""
    changed = f"{status.changed_at.astimezone(zone):%d.%m.%Y}" if status.changed_at else ""
    language = note_language_name(status.note_language, content) if status.note else ""
    params: dict[str, ParamValue] = {
        "id": str(status.id),
        "problem": anonymised(status.text),
        "status": status_label(status.status),
        "date": changed,
        "note": status.note,
        "note_language": language,
    }
    return Reply("mine_item", params)
