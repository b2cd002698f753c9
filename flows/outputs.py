"""What the interview asks the transport to do: plain values, executed by ``bot``."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flows.problem import Problem


@dataclass(frozen=True, slots=True)
class Label:
    """A localisable name: a text key, or the key of a group, area or frequency."""

    key: str


@dataclass(frozen=True, slots=True)
class Nested:
    """Another reply's text, rendered in place (e.g. a question shown with its answer)."""

    reply: "Reply"


ParamValue = str | int | Label | Nested | tuple[Label, ...] | tuple[Nested, ...]


@dataclass(frozen=True, slots=True)
class Choice:
    """A button: ``data`` comes back in a CHOICE event; ``label`` is rendered per language.

    ``text`` overrides ``label`` with a literal (e.g. "5" or a language's own name).
    """

    data: str
    label: Label | None = None
    text: str = ""
    selected: bool = False


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to the resident: a text key, its parameters and rows of buttons.

    String parameters are resident text or literals: the transport escapes them for its
    parse mode. ``Label`` parameters are rendered in the reply's language.
    """

    key: str
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    choices: tuple[tuple[Choice, ...], ...] = ()
    edit: bool = False  # replace the message whose button was pressed instead of sending anew


@dataclass(frozen=True, slots=True)
class SaveProblem:
    """Store a confirmed problem for this resident."""

    problem: Problem
    at: datetime


@dataclass(frozen=True, slots=True)
class RecordConsent:
    """Store that the resident accepted privacy text ``version`` at ``at``."""

    version: int
    at: datetime


@dataclass(frozen=True, slots=True)
class SetLanguage:
    """Remember the resident's interview language."""

    language: str


@dataclass(frozen=True, slots=True)
class SendMyData:
    """Send the resident a readable summary and a document with everything stored about them."""


@dataclass(frozen=True, slots=True)
class ListReports:
    """Show the resident their own reports: reference, date, excerpt and status."""


@dataclass(frozen=True, slots=True)
class EraseResident:
    """Erase the resident: problems, state, consent and any chat id. Nothing is kept."""


@dataclass(frozen=True, slots=True)
class AgreeToFollowUps:
    """Keep the resident's chat and schedule the follow-ups of ``workshop`` from ``at``."""

    workshop: str
    at: datetime


@dataclass(frozen=True, slots=True)
class StopFollowUps:
    """End every follow-up for the resident and forget their chat id."""


@dataclass(frozen=True, slots=True)
class RecordObservation:
    """Store a follow-up answer: did problem ``problem_id`` happen again, and how often."""

    follow_up_id: int
    problem_id: int
    recurred: bool
    frequency: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Endorse:
    """Record that the resident has the same problem as ``problem_id`` (someone else's)."""

    problem_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class AnswerHearBack:
    """Store whether the resident wants to hear what becomes of their reports (consent)."""

    agreed: bool
    version: int  # the version of the question they answered
    at: datetime


Output = (
    Reply
    | SaveProblem
    | RecordConsent
    | SetLanguage
    | SendMyData
    | ListReports
    | EraseResident
    | AgreeToFollowUps
    | StopFollowUps
    | RecordObservation
    | Endorse
    | AnswerHearBack
)
