"""A theme's status from the workspace: preview who will be told, confirm, publish or not.

A change is made in two steps. The first POST only previews it ("23 residents will get this
message", and the message in every language); the confirm button posts it again with
``confirm=yes``, and ``bot.services.statuses.change_status`` records it as the CLI and
Telegram do. Every change is also kept in the staff action log, written in the same
transaction as the change and its history.
"""

import asyncio
import html
import re
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from sqlmodel import Session

from bot.services.statuses import Preview, change_status, preview_change
from bot.web.app import CONTEXT, WebContext
from bot.web.security import MEMBER
from bot.web.themes import number, show
from flows.status import StatusRefused
from storage import queries
from storage.queries.statuses import Target

_TAGS = re.compile(r"</?[biu]>")  # the only markup a rendered message carries


@dataclass(frozen=True, slots=True)
class Draft:
    """A status change on its way: what staff chose, its preview, or why it was refused."""

    status: str
    note: str
    preview: Preview | None = None
    messages: tuple[tuple[str, str], ...] = ()  # (language name, message as plain text)
    refused: str = ""  # the refusal in the staff member's words


async def change(request: web.Request) -> web.StreamResponse:
    """Preview a status change, or make it once staff confirmed the preview."""
    context = request.app[CONTEXT]
    member = request[MEMBER]
    theme = number(request.match_info["theme"])
    form = await request.post()
    status, note = str(form.get("status", "")), str(form.get("note", ""))
    target = Target(theme_id=theme)
    try:
        if form.get("confirm") != "yes":
            preview = await asyncio.to_thread(
                preview_change,
                context.db,
                context.content,
                target=target,
                status=status,
                note=note,
                hint=member.language,
            )
            messages = _plain(preview, context)
            return await show(request, theme, draft=Draft(status, note, preview, messages))
        await asyncio.to_thread(
            change_status,
            context.db,
            context.content,
            target=target,
            status=status,
            note=note,
            changed_by=f"web:{member.telegram_id}",
            now=context.clock(),
            hint=member.language,
            logged_for=member.telegram_id,  # the log line in the change's own transaction
        )
    except StatusRefused as refused:
        reason = _refusal(context, refused.reason, member.language, theme)
        return await show(request, theme, status=422, draft=Draft(status, note, refused=reason))
    raise web.HTTPSeeOther(f"/themes/{theme}?done=status")


def _refusal(context: WebContext, reason: str, language: str, theme: int) -> str:
    """Say why a change was refused: in the workspace's words where the chat's do not fit."""
    if reason in context.texts.tables[context.texts.pick(language)]:
        return context.texts.fill(reason, language)  # e.g. "write it in the note", not "after"
    name = context.staff_texts.plain("status_target_theme", language, id=str(theme))
    return context.staff_texts.plain(reason, language, target=name)


def _plain(preview: Preview, context: WebContext) -> tuple[tuple[str, str], ...]:
    """Return each language's message as text (the page escapes it again)."""
    names = context.content.language_names
    return tuple(
        (names.get(code, code), html.unescape(_TAGS.sub("", rendered.text)).strip())
        for code, rendered in preview.messages.items()
    )


async def publish(request: web.Request) -> web.StreamResponse:
    """Show the theme on the public results page, or stop showing it."""
    context = request.app[CONTEXT]
    theme = number(request.match_info["theme"])
    public = str((await request.post()).get("public", "")) == "on"
    telegram_id = request[MEMBER].telegram_id
    now = context.clock()
    if not await context.db.run(
        _publish, theme=theme, public=public, telegram_id=telegram_id, now=now
    ):
        raise web.HTTPNotFound()
    raise web.HTTPSeeOther(f"/themes/{theme}?done={'public' if public else 'private'}")


def _publish(
    session: Session, *, theme: int, public: bool, telegram_id: int, now: datetime
) -> bool:
    """Store the choice and log it in one transaction; False if there is no such theme."""
    if not queries.set_public(session=session, theme_id=theme, public=public, now=now):
        return False
    queries.log_action(
        session=session,
        telegram_id=telegram_id,
        action="public" if public else "private",
        target=f"theme:{theme}",
        detail="",
        now=now,
    )
    return True


def register(app: web.Application, context: WebContext) -> None:
    """Add the status and public-results actions of a theme (before the other actions)."""
    app.router.add_post("/themes/{theme}/status", change)
    app.router.add_post("/themes/{theme}/public", publish)
