"""The interview state of one resident: one frozen value, stored whole as JSON."""

from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any, Self

from flows.outputs import Reply, reply_from_values, reply_values
from flows.problem import Problem


class Step(StrEnum):
    """Where a resident is in the interview; each step has one question."""

    NEW = "new"  # never talked to us
    LANGUAGE = "language"
    CONSENT = "consent"
    PROBLEM = "problem"
    SOLUTION_PROBLEM = "solution_problem"  # they proposed a solution: what problem does it solve?
    FORWARDED = "forwarded"  # they forwarded someone's message: is it their own problem?
    FREQUENCY = "frequency"
    SEVERITY = "severity"
    GROUPS = "groups"
    AREA = "area"
    REVIEW = "review"
    CHANGE = "change"  # which field to change
    ANOTHER = "another"  # saved; report another?
    IDLE = "idle"  # consented, no interview running
    DECLINED = "declined"  # said no to consent: nothing is stored
    DELETE = "delete"  # asked to erase everything: confirm first
    SIMILAR = "similar"  # saved; shown someone else's similar problem: same for you?
    FOLLOW_UP = "follow_up"  # saved in a workshop; may we follow up later?
    HEAR_BACK = "hear_back"  # saved; do you want to hear what becomes of it?
    OFFER = "offer"  # consented with a first message held: is this the problem?
    CANCEL = "cancel"  # /cancel with something written: confirm first


@dataclass(frozen=True, slots=True)
class InterviewState:
    """Everything the interview remembers about one resident between messages."""

    step: Step = Step.NEW
    language: str = ""  # the interview language; "" until known
    language_chosen: bool = False  # an explicit choice wins over hints and detection
    consent_version: int = 0  # the privacy text version accepted; 0 = none
    draft: Problem = field(default_factory=Problem)
    returning_to: Step | None = None  # REVIEW while one answer is being changed
    paused_at: Step | None = None  # the step to resume after /language or renewed consent
    workshop: str = ""  # set by a workshop deep link
    saved_count: int = 0
    workshop_name: str = ""
    workshop_group: str = ""  # pre-filled into each new draft, shown in the review
    workshop_area: str = ""
    follow_up_asked: bool = False  # asked once per workshop
    similar_ids: tuple[int, ...] = ()  # others' problems still to show ("me too"), first = now
    similar_texts: tuple[str, ...] = ()  # their anonymised texts, to ask again after /help
    hear_back_asked: int = 0  # the version of the "hear back?" question last asked; 0 = never
    # A message typed before consent (masked), offered after "yes"; dropped on "no", on
    # /delete and a day after ``held_at`` (ISO time). Never in the problem table before consent.
    held: str = ""
    held_at: str = ""
    last_groups: tuple[str, ...] = ()  # the groups of the last report, offered again
    # Right after the problem text: a further message is added to it, until the next
    # question is answered (people on phones send a long story as several messages).
    extending: bool = False
    # What the question last asked was led by in its message ("saved as G-12" above "hear
    # back?"): an edit of that question (its mark, a tick) keeps it (flows.outputs.one_message).
    lead: tuple[Reply, ...] = ()

    def evolve(self, **changes: Any) -> Self:
        """Return a copy with ``changes`` applied."""
        return replace(self, **changes)

    def fresh_draft(self) -> Problem:
        """Return an empty draft, with the workshop's group and area filled in."""
        groups = (self.workshop_group,) if self.workshop and self.workshop_group else ()
        return Problem(groups=groups, area=self.workshop_area if self.workshop else "")

    def draft_with(self, **changes: Any) -> Problem:
        """Return the draft with ``changes`` applied."""
        return replace(self.draft, **changes)

    def to_dict(self) -> dict[str, Any]:
        # Field by field, not ``asdict``: it would deep-copy the draft and the lead's replies
        # only for them to be replaced below (every remaining field is a plain value).
        data = {name.name: getattr(self, name.name) for name in fields(self)}
        data["step"] = self.step.value
        data["returning_to"] = self.returning_to.value if self.returning_to else None
        data["paused_at"] = self.paused_at.value if self.paused_at else None
        data["draft"] = self.draft.values()
        data["similar_ids"] = list(self.similar_ids)
        data["similar_texts"] = list(self.similar_texts)
        data["last_groups"] = list(self.last_groups)
        data["lead"] = [reply_values(reply) for reply in self.lead]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Rebuild a state; unknown keys from older versions are ignored."""
        returning, paused = data.get("returning_to"), data.get("paused_at")
        return cls(
            step=Step(data.get("step", Step.NEW)),
            language=str(data.get("language", "")),
            language_chosen=bool(data.get("language_chosen", False)),
            consent_version=int(data.get("consent_version", 0)),
            draft=Problem.from_values(data.get("draft") or {}),
            returning_to=Step(returning) if returning else None,
            paused_at=Step(paused) if paused else None,
            workshop=str(data.get("workshop", "")),
            saved_count=int(data.get("saved_count", 0)),
            workshop_name=str(data.get("workshop_name", "")),
            workshop_group=str(data.get("workshop_group", "")),
            workshop_area=str(data.get("workshop_area", "")),
            follow_up_asked=bool(data.get("follow_up_asked", False)),
            similar_ids=tuple(int(i) for i in data.get("similar_ids") or ()),
            similar_texts=tuple(str(t) for t in data.get("similar_texts") or ()),
            hear_back_asked=int(data.get("hear_back_asked", 0)),
            held=str(data.get("held", "")),
            held_at=str(data.get("held_at", "")),
            last_groups=tuple(str(g) for g in data.get("last_groups") or ()),
            extending=bool(data.get("extending", False)),
            lead=tuple(reply_from_values(reply) for reply in data.get("lead") or ()),
        )
