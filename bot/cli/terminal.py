"""The terminal chat: the same interview and database, buttons shown as numbered choices."""

import html
from datetime import datetime
from typing import TextIO

from bot.services.conversation import Conversations
from flows.events import Event, EventKind
from flows.render import Button, Rendered
from flows.texts import strip_tags

QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})


def show(reply: Rendered, out: TextIO) -> list[Button]:
    """Print a reply as plain text with numbered choices; return the choices in order."""
    text = html.unescape(strip_tags(reply.text))
    out.write(f"\n{text}\n")
    buttons = [button for row in reply.buttons for button in row]
    for number, button in enumerate(buttons, start=1):
        out.write(f"  {number}) {button.label}\n")
    return buttons


def to_event(line: str, choices: list[Button], now: datetime) -> Event:
    """Turn a typed line into an event: a number picks a choice, "/x" is a command."""
    stripped = line.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(choices):
        return Event(EventKind.CHOICE, now, choice=choices[int(stripped) - 1].data)
    if stripped.startswith("/"):
        head, _, argument = stripped[1:].partition(" ")
        return Event(EventKind.COMMAND, now, command=head.lower(), argument=argument.strip())
    return Event(EventKind.TEXT, now, text=line)


def run_chat(
    conversations: Conversations,
    resident: str,
    *,
    stdin: TextIO,
    stdout: TextIO,
    language_hint: str | None = None,
) -> None:
    """Talk to one resident on the terminal until end of input or /quit."""
    clock = conversations.clock
    stdout.write("Innspill — terminal chat. Type a number to choose, /quit to leave.\n")
    event = Event(EventKind.COMMAND, clock(), command="start", language_hint=language_hint)
    while True:
        turn = conversations.handle_sync(resident, event, _escape)
        choices: list[Button] = []
        for reply in turn.replies:
            if reply.edit and not reply.buttons:
                continue  # a pressed question shown with its answer: the terminal scrolls on
            choices = show(reply, stdout) or choices
        stdout.write("> ")
        stdout.flush()
        line = stdin.readline()
        if not line or line.strip().lower() in QUIT_WORDS:
            stdout.write("\n")
            return
        event = to_event(line.rstrip("\n"), choices, clock())


def _escape(text: str) -> str:
    # Escape resident text so strip_tags() only removes the template's own tags.
    return html.escape(text, quote=False)
