"""What a follow-up says: pure builders from a leased ``FollowUpMessage`` to replies."""

from flows.content import Content
from flows.outputs import Choice, Label, Reply
from flows.workshop import FollowUpMessage, anonymised

FOLLOW_UP_PREFIX = "fu"  # button data: "fu:<follow-up id>:<problem id>:<no | frequency key>"


def answer_data(follow_up_id: int, problem_id: int, answer: str) -> str:
    """Return the data of a follow-up answer button."""
    return f"{FOLLOW_UP_PREFIX}:{follow_up_id}:{problem_id}:{answer}"


def follow_up_replies(message: FollowUpMessage, content: Content) -> list[Reply]:
    """Build the messages of one follow-up: a check first, later one question per problem."""
    if message.round == 0:
        return [Reply("followup_check", {"workshop": message.workshop})]
    return [
        recurrence_question(message, problem_id, text, content)
        for problem_id, text in message.problems
    ]


def recurrence_question(
    message: FollowUpMessage, problem_id: int, text: str, content: Content
) -> Reply:
    """Ask whether one problem happened again since the workshop: no, or how often."""
    no = (Choice(answer_data(message.id, problem_id, "no"), Label("btn_recur_no")),)
    often = tuple(
        (Choice(answer_data(message.id, problem_id, f.key), Label(f.key)),)
        for f in content.frequencies
    )
    params = {"workshop": message.workshop, "problem": anonymised(text)}
    return Reply("followup_recur", params, (no, *often))
