"""Button data as typed values: packed into Telegram's 64 bytes, unpacked strictly.

Whatever comes back from a button can be forged, so ``unpack`` accepts only what ``pack`` makes:
a known prefix, ASCII digits for ids, bounded keys. Anything else is unknown (None), never an
exception.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from flows.state import Step

MAX_BYTES = 64  # Telegram's limit for callback data
# The steps whose question has buttons; any other step in button data is unknown.
ASKED_BY_BUTTONS = frozenset(
    {
        Step.LANGUAGE,
        Step.CONSENT,
        Step.OFFER,
        Step.PROBLEM,  # "Keep" when changing the text, "Go on" after an added message
        Step.SOLUTION_PROBLEM,
        Step.FREQUENCY,
        Step.SEVERITY,
        Step.GROUPS,
        Step.AREA,
        Step.REVIEW,
        Step.CHANGE,
        Step.ANOTHER,
        Step.DELETE,
        Step.SIMILAR,
        Step.FOLLOW_UP,
        Step.HEAR_BACK,
        Step.FORWARDED,
        Step.CANCEL,
    }
)
_KEY = re.compile(r"[a-z0-9_]{1,24}")  # content keys, answers, language codes, steps
_ID = re.compile(r"[0-9]{1,15}")
_CODE = re.compile(r"[a-z0-9]{3,32}")  # a workshop code
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SETUP_STEPS = frozenset({"g", "a", "d"})  # the staff workshop dialog: group, area, day
WORKSHOP_YEARS = (2000, 2999)  # the years a workshop day button can carry


@dataclass(frozen=True, slots=True)
class Answer:
    """An interview button: the step it answers and the value chosen ("review:confirm")."""

    step: Step
    value: str

    def __post_init__(self) -> None:
        if self.step not in ASKED_BY_BUTTONS or not _KEY.fullmatch(self.value):
            raise ValueError(f"no button answers {self.step.value!r} with {self.value!r}")

    def pack(self) -> str:
        """Return the button data."""
        return f"{self.step.value}:{self.value}"


@dataclass(frozen=True, slots=True)
class FollowUpAnswer:
    """An answer to "has it happened again?": "no" or a frequency key, for one problem."""

    PREFIX: ClassVar[str] = "fu"
    follow_up_id: int
    problem_id: int
    answer: str

    def __post_init__(self) -> None:
        ids = (str(self.follow_up_id), str(self.problem_id))
        if not all(_ID.fullmatch(i) for i in ids) or not _KEY.fullmatch(self.answer):
            raise ValueError(f"not a follow-up answer: {self!r}")

    def pack(self) -> str:
        """Return the button data: "fu:<follow-up id>:<problem id>:<answer>"."""
        return f"{self.PREFIX}:{self.follow_up_id}:{self.problem_id}:{self.answer}"


@dataclass(frozen=True, slots=True)
class WorkshopSetup:
    """A staff button of the workshop dialog: the group ("g"), area ("a") or day ("d")."""

    PREFIX: ClassVar[str] = "wsx"
    step: str
    code: str
    value: str  # a group or area key, or the day as YYYY-MM-DD

    def __post_init__(self) -> None:
        if not _valid_setup(self.step, self.code, self.value):
            raise ValueError(f"not a workshop dialog button: {self!r}")

    def pack(self) -> str:
        """Return the button data: "wsx:<step>:<code>:<value>"."""
        return f"{self.PREFIX}:{self.step}:{self.code}:{self.value}"


Button = Answer | FollowUpAnswer | WorkshopSetup


ID_MAX = 2**63 - 1  # ids are signed 64-bit integers in the database


def record_id(word: str) -> int | None:
    """Return ``word`` as a stored record's id (ASCII digits, 1 to 2**63 - 1), or None."""
    if not (word.isascii() and word.isdigit()) or not 1 <= int(word) <= ID_MAX:
        return None
    return int(word)


def unpack(data: str) -> Button | None:
    """Return the button ``data`` came from, or None when no button of ours makes it."""
    if not data.isascii() or len(data) > MAX_BYTES:
        return None
    parts = data.split(":")
    if parts[0] == FollowUpAnswer.PREFIX:
        return _follow_up_answer(parts[1:])
    if parts[0] == WorkshopSetup.PREFIX:
        return _workshop_setup(parts[1:])
    if len(parts) != 2 or parts[0] not in ASKED_BY_BUTTONS or not _KEY.fullmatch(parts[1]):
        return None
    return Answer(Step(parts[0]), parts[1])


def _follow_up_answer(parts: list[str]) -> FollowUpAnswer | None:
    if len(parts) != 3 or not (_ID.fullmatch(parts[0]) and _ID.fullmatch(parts[1])):
        return None
    if not _KEY.fullmatch(parts[2]):
        return None
    return FollowUpAnswer(int(parts[0]), int(parts[1]), parts[2])


def _workshop_setup(parts: list[str]) -> WorkshopSetup | None:
    if len(parts) != 3 or not _valid_setup(*parts):
        return None
    return WorkshopSetup(*parts)


def _valid_setup(step: str, code: str, value: str) -> bool:
    if step not in _SETUP_STEPS or not _CODE.fullmatch(code):
        return False
    if step != "d":
        return _KEY.fullmatch(value) is not None
    if not _DAY.fullmatch(value):
        return False
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return False
    # The dialog offers the coming days: year 1 or 9999 would overflow the link's expiry.
    return WORKSHOP_YEARS[0] <= day.year <= WORKSHOP_YEARS[1]
