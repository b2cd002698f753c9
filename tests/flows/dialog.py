"""Drive the pure interview with a script of inputs, as in a dialog table (no fixtures)."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.content_files import load_content
from flows.content import Content
from flows.events import Event, EventKind
from flows.interview import Interview
from flows.outputs import Output, Reply
from flows.state import InterviewState

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
_CONTENT: Content | None = None


def content() -> Content:
    """Return the packaged content, loaded once per test run."""
    global _CONTENT
    if _CONTENT is None:
        _CONTENT = load_content()
    return _CONTENT


def event(text: str, now: datetime = START, hint: str | None = "nb") -> Event:
    """Turn a script line into an event.

    "/x arg" is a command, "[step:value]" a button, "@60.79,10.69" a location,
    "~sticker" something that is not text, "»text" a forwarded message; anything else is typed.
    """
    if text.startswith("/"):
        head, _, argument = text[1:].partition(" ")
        return Event(EventKind.COMMAND, now, command=head, argument=argument, language_hint=hint)
    if text.startswith("[") and text.endswith("]"):
        return Event(EventKind.CHOICE, now, choice=text[1:-1], language_hint=hint)
    if text.startswith("@"):
        lat, lon = (float(part) for part in text[1:].split(","))
        return Event(EventKind.LOCATION, now, location=(lat, lon), language_hint=hint)
    if text.startswith("~"):
        return Event(EventKind.UNSUPPORTED, now, media=text[1:], language_hint=hint)
    if text.startswith("»"):
        return Event(EventKind.TEXT, now, text=text[1:], language_hint=hint, forwarded=True)
    return Event(EventKind.TEXT, now, text=text, language_hint=hint)


def keys(outputs: Sequence[Output]) -> list[str]:
    """Return the text keys of the replies among ``outputs``, a message's lead first.

    A pressed question edited to show its answer ("answered") is left out: it changes an
    earlier message, and its own tests check it (test_answers.py); an edit's lead was said
    before. How the texts are grouped into messages is checked by ``messages``.
    """
    return [
        part.key
        for out in outputs
        if isinstance(out, Reply) and out.key != "answered"
        for part in ((out,) if out.edit else out.parts())  # an edit keeps the lead it had
    ]


def messages(outputs: Sequence[Output]) -> list[list[str]]:
    """Return the new messages among ``outputs``, each as the text keys it says in order."""
    return [
        [part.key for part in out.parts()]
        for out in outputs
        if isinstance(out, Reply) and not out.edit
    ]


def run(
    script: Sequence[tuple[str, Sequence[str]]],
    state: InterviewState | None = None,
    hint: str | None = "nb",
    interview: Interview | None = None,
) -> tuple[InterviewState, list[Output]]:
    """Play ``script``; each line's replies must have exactly the expected keys.

    Returns the final state and every output produced along the way.
    """
    interview = interview or Interview(content())
    state = state or InterviewState()
    produced: list[Output] = []
    for number, (said, expected) in enumerate(script):
        state, outputs = interview.advance(
            state, event(said, START + timedelta(minutes=number), hint)
        )
        assert keys(outputs) == list(expected), f"after {said!r}: {keys(outputs)} != {expected}"
        produced.extend(outputs)
        state = InterviewState.from_dict(state.to_dict())  # every turn survives storage
    return state, produced
