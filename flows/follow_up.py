"""Follow-ups after a workshop: when they are due and what they say (quiet hours: quiet_hours)."""

import re
from dataclasses import dataclass
from datetime import timedelta

from flows.callback import FollowUpAnswer
from flows.outputs import Choice, Label, Reply
from flows.privacy import anonymised

DEFAULT_FOLLOW_UPS = "1d,14d"
_OFFSET = re.compile(r"(\d{1,3})([dh])")
MAX_OFFSET = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class FollowUpMessage:
    """A follow-up leased for sending: where it goes and what it asks about."""

    id: int
    round: int  # 0: "did we capture your problems?"; later: "has it happened again?"
    chat_id: int | None  # None: the resident withdrew; nothing is sent
    language: str
    workshop: str  # the workshop's name
    problems: tuple[tuple[int, str], ...]  # the resident's problems from the workshop
    attempts: int = 0


def parse_offsets(spec: str) -> tuple[timedelta, ...]:
    """Read "1d,14d" (days or hours, ascending); raise ValueError with what is wrong."""
    offsets: list[timedelta] = []
    for part in (p.strip().lower() for p in spec.split(",") if p.strip()):
        match = _OFFSET.fullmatch(part)
        if match is None:
            raise ValueError(f"{part!r}: write offsets like 1d or 12h, separated by commas")
        amount = int(match[1])
        offset = timedelta(days=amount) if match[2] == "d" else timedelta(hours=amount)
        if not timedelta(0) < offset <= MAX_OFFSET:
            raise ValueError(f"{part!r}: must be more than 0 and at most 365 days")
        if offsets and offset <= offsets[-1]:
            raise ValueError(f"{part!r}: offsets must grow (e.g. 1d,14d)")
        offsets.append(offset)
    return tuple(offsets)


# The answers to "has it happened again since the workshop?", stored as the observation's
# frequency ("" for no). Older buttons carried a frequency key; those are still accepted.
RECURRENCE_ANSWERS = ("several", "once", "no")


def follow_up_replies(message: FollowUpMessage) -> list[Reply]:
    """Build the messages of one follow-up: a check first, later one question per problem."""
    if message.round == 0:
        return [Reply("follow_up_check", {"workshop": message.workshop})]
    return [
        recurrence_question(message, problem_id, text) for problem_id, text in message.problems
    ]


def recurrence_question(message: FollowUpMessage, problem_id: int, text: str) -> Reply:
    """Ask whether one problem happened again since the workshop: several times, once, no."""
    buttons = tuple(
        (
            Choice(
                FollowUpAnswer(message.id, problem_id, answer).pack(), Label(f"btn_recur_{answer}")
            ),
        )
        for answer in RECURRENCE_ANSWERS
    )
    params = {"workshop": message.workshop, "problem": anonymised(text)}
    return Reply("follow_up_recur", params, buttons)
