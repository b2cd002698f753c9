"""The overview: what is new in a period, how it developed, what matters most and for whom."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiohttp import web
from sqlmodel import Session

from bot.web.app import CONTEXT, WebContext
from bot.web.render import filters_of, page
from bot.web.security import MEMBER
from flows.digest import Digest
from flows.periods import Period, previous
from flows.svg import trend
from flows.tallies import by_source, overview_digest
from flows.workspace import TREND_WEEKS, Filters, resolve_period, week_bounds
from storage import queries
from storage.together import together

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Overview:
    """The figures of the overview page."""

    digest: Digest
    by_source: tuple[tuple[str, int], ...]
    weeks: tuple[int, ...]
    week_labels: tuple[str, ...]
    compared: bool  # False for "all time": there is no period before


def overview(
    session: Session, *, filters: Filters, now: datetime, context: WebContext
) -> Overview:
    """Count the view's problems against the period before, and the last 12 weeks."""
    period = resolve_period(filters, now, context.zone)
    span = period or Period(EPOCH, now + timedelta(days=1))
    earlier = previous(period, context.zone) if period is not None else None
    bounds = week_bounds(now, context.zone)
    (current, before), counts = together(
        session,
        [
            lambda s: queries.view_sums(session=s, filters=filters, period=span, earlier=earlier),
            lambda s: queries.week_counts(session=s, filters=filters, bounds=bounds),
        ],
    )
    names = queries.theme_labels(session=session)
    digest = overview_digest(current, before, span, names, context.weights)
    weeks = tuple(map(sum, zip(*counts.values(), strict=True))) if counts else (0,) * TREND_WEEKS
    week_labels = tuple(f"{b.astimezone(context.zone):%d.%m}" for b in bounds[:-1])
    return Overview(digest, by_source(current), weeks, week_labels, period is not None)


async def show(request: web.Request) -> web.Response:
    """Render the overview of the view in the URL."""
    context = request.app[CONTEXT]
    filters = filters_of(request)
    found = await context.db.read(overview, filters=filters, now=context.clock(), context=context)
    title = context.texts.fill("trend", request[MEMBER].language)
    chart = trend(found.weeks, found.week_labels, title)
    return page(request, "overview.html", filters=filters, found=found, chart=chart)


def register(app: web.Application, context: WebContext) -> None:
    """Add the overview at /."""
    app.router.add_get("/", show)
