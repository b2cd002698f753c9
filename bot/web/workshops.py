"""Workshops: their figures, their QR posters, and a form to create one (the CLI's rules)."""

import asyncio
from datetime import date

from aiohttp import web

from bot.services.workshops import create_workshop, qr_png
from bot.web.app import CONTEXT, WebContext
from bot.web.render import page
from flows.follow_up import parse_offsets
from flows.workshop import deep_link, valid_code
from storage import queries

DEFAULT_FOLLOWUPS = "1d,14d"


async def index(
    request: web.Request,
    *,
    form: dict[str, str] | None = None,
    problems: list[str] | None = None,
    made: str = "",
) -> web.Response:
    """Render the workshops with the create form (and what was wrong with it, if anything)."""
    context = request.app[CONTEXT]
    stats = await context.db.read(queries.list_workshops)
    return page(
        request,
        "workshops.html",
        stats=stats,
        form=form or {"followups": DEFAULT_FOLLOWUPS},
        problems=problems or [],
        made=made,
        has_username=bool(context.bot_username),
        status=400 if problems else 200,
    )


async def show(request: web.Request) -> web.Response:
    """Render the workshops page."""
    return await index(request)


def _check(form: dict[str, str], context: WebContext) -> tuple[list[str], date | None]:
    problems = []
    if not form.get("name", "").strip() or len(form["name"]) > 120:
        problems.append("invalid_name")
    if context.content.group(form.get("group", "")) is None:
        problems.append("invalid_group")
    if context.content.area(form.get("area", "")) is None:
        problems.append("invalid_area")
    try:
        held_on = date.fromisoformat(form.get("date", ""))
    except ValueError:
        held_on = None
        problems.append("invalid_date")
    try:
        parse_offsets(form.get("followups", ""))
    except ValueError:
        problems.append("invalid_followups")
    if form.get("code") and not valid_code(form["code"]):
        problems.append("invalid_code")
    return problems, held_on


async def create(request: web.Request) -> web.Response:
    """Create a workshop from the form, under the same rules as ``innspill workshop create``."""
    context = request.app[CONTEXT]
    form = {key: str(value).strip() for key, value in (await request.post()).items()}
    problems, held_on = _check(form, context)
    if problems or held_on is None:
        return await index(request, form=form, problems=problems)
    try:
        made = await asyncio.to_thread(
            create_workshop,
            context.db.engine,
            name=form["name"],
            group=form["group"],
            area=form["area"],
            held_on=held_on,
            followups=form.get("followups", ""),
            now=context.clock(),
            zone=context.zone,
            bot_username=context.bot_username or "BOT",
            code=form.get("code", ""),
        )
    except ValueError:
        return await index(request, form=form, problems=["invalid_code"])
    return await index(request, made=made.code)


async def poster(request: web.Request) -> web.Response:
    """Send a workshop's QR poster as a PNG."""
    context = request.app[CONTEXT]
    code = request.match_info["code"]
    if not context.bot_username or not valid_code(code):
        raise web.HTTPNotFound()
    if await context.db.run(queries.get_workshop, code=code) is None:
        raise web.HTTPNotFound()
    png = qr_png(deep_link(context.bot_username, code))
    return web.Response(
        body=png,
        content_type="image/png",
        headers={"Content-Disposition": f'attachment; filename="workshop-{code}.png"'},
    )


def register(app: web.Application, context: WebContext) -> None:
    """Add /workshops, the create form and the posters."""
    app.router.add_get("/workshops", show)
    app.router.add_post("/workshops", create)
    app.router.add_get("/workshops/{code}/qr.png", poster)
