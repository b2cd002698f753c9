"""What the interview asks the transport to do: plain values, executed by ``bot``."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

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
    parse mode. ``Label`` parameters are rendered in the reply's language. ``lead`` holds
    what is said before this text in the same message ("Saved as G-12." above the next
    question): see ``one_message``.
    """

    key: str
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    choices: tuple[tuple[Choice, ...], ...] = ()
    edit: bool = False  # replace the message whose button was pressed instead of sending anew
    lead: tuple["Reply", ...] = ()

    def parts(self) -> tuple["Reply", ...]:
        """Return the replies this message says, in order: its lead, then itself."""
        return (*self.lead, replace(self, lead=()))


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


def reply_values(reply: Reply) -> dict[str, Any]:
    """Return a reply's key and parameters as JSON values (a stored lead; see ``state``)."""
    return {"key": reply.key, "params": {k: _value(v) for k, v in reply.params.items()}}


def reply_from_values(values: Mapping[str, Any]) -> Reply:
    """Rebuild a reply stored by ``reply_values``."""
    params = values.get("params") or {}
    return Reply(str(values["key"]), {k: _param(v) for k, v in params.items()})


def _value(value: ParamValue) -> Any:
    if isinstance(value, Label):
        return {"label": value.key}
    if isinstance(value, Nested):
        return {"nested": reply_values(value.reply)}
    if isinstance(value, tuple):
        return [_value(item) for item in value]
    return value


def _param(value: Any) -> Any:
    if isinstance(value, dict) and "label" in value:
        return Label(str(value["label"]))
    if isinstance(value, dict):
        return Nested(reply_from_values(value["nested"]))
    if isinstance(value, list):
        return tuple(_param(item) for item in value)
    return value


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


def one_message(outputs: Sequence[Output]) -> list[Output]:
    """Say each run of new messages as one: the texts before a question lead into it.

    A resident waits for one message per step, not two ("saved" and "hear back?" arrive
    together), and Telegram's ~30 messages a second go further. An edit, a question with
    buttons and an output the transport answers with messages of its own (``SendMyData``,
    ``ListReports``) end a run. Facts to store may move before the message: the transport
    stores them all before it sends anything.
    """
    merged: list[Output] = []
    run: list[Reply] = []
    for output in outputs:
        if isinstance(output, Reply) and not output.edit:
            run.append(output)
            if not output.choices:
                continue
        elif not isinstance(output, (Reply, SendMyData, ListReports)):
            merged.append(output)  # a fact to store: it does not end the message
            continue
        merged.extend(_joined(run))
        run = []
        if not (isinstance(output, Reply) and not output.edit):
            merged.append(output)
    merged.extend(_joined(run))
    return merged


def _joined(run: list[Reply]) -> list[Reply]:
    """Return a run of new messages as one: the last, led by everything said before it."""
    if len(run) < 2:
        return run
    *earlier, last = run
    leads = tuple(part for reply in earlier for part in reply.parts())
    return [replace(last, lead=(*leads, *last.lead))]


def asked_lead(outputs: Sequence[Output], before: tuple[Reply, ...]) -> tuple[Reply, ...]:
    """Return the lead of the question now asked (``before`` when only edits were sent)."""
    sent = [out for out in outputs if isinstance(out, Reply) and not out.edit]
    if not sent:
        return before
    return sent[-1].lead if sent[-1].choices else ()
