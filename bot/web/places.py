"""The map: areas as shapes (or points) shaded by their problems, or by one theme's."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from aiohttp import web
from sqlmodel import Session

from bot.web.app import CONTEXT, WebContext
from bot.web.render import filters_of, page
from bot.web.security import MEMBER
from flows.periods import Period
from flows.svg import Place, area_map
from flows.workspace import Filters, resolve_period
from storage import queries

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def counts(
    session: Session, *, filters: Filters, theme: int | None, now: datetime, context: WebContext
) -> tuple[Counter[str], dict[int, str]]:
    """Count the view's problems (of ``theme``, if given) by area; return the theme labels too."""
    span = resolve_period(filters, now, context.zone) or Period(EPOCH, now + timedelta(days=1))
    by_area = queries.area_counts(session=session, filters=filters, period=span, theme=theme)
    return by_area, queries.theme_labels(session=session)


async def show(request: web.Request) -> web.Response:
    """Render the map of the view in the URL."""
    context = request.app[CONTEXT]
    filters = filters_of(request)
    chosen = request.query.get("theme", "")
    theme = int(chosen) if chosen.isdigit() and len(chosen) < 12 else None
    by_area, labels = await context.db.read(
        counts, filters=filters, theme=theme, now=context.clock(), context=context
    )
    language = request[MEMBER].language
    places = [
        Place(
            area.key,
            context.content.name(f"area:{area.key}", language),
            area.shape,
            (area.lon, area.lat) if area.lat is not None and area.lon is not None else None,
            by_area.get(area.key, 0),
        )
        for area in context.content.areas
    ]
    links = {p.key: f"/problems?{filters.query(area=p.key, page=1)}" for p in places}
    title = context.texts.fill("map_title", language)
    drawing = area_map(places, title, links)
    return page(
        request,
        "map.html",
        filters=filters,
        drawing=drawing,
        places=places,
        theme=theme,
        labels=labels,
        links=links,
    )


def register(app: web.Application, context: WebContext) -> None:
    """Add /map."""
    app.router.add_get("/map", show)
