"""Problems: a searchable, filterable, paged table, and the download of exactly that view."""

import functools
import io
from datetime import UTC, datetime, timedelta

from aiohttp import web
from sqlmodel import Session

from bot.artefacts.reports import write_csv
from bot.artefacts.workbook import Words, write_workbook
from bot.web.app import CONTEXT, WebContext
from bot.web.render import filters_of, language_of, page
from flows.content import Content
from flows.periods import Period
from flows.privacy import mask_personal_data
from flows.records import ProblemRecord, label_in
from flows.workspace import Filters, resolve_period
from storage import queries

PER_PAGE = 50
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _span(filters: Filters, now: datetime, context: WebContext) -> Period:
    return resolve_period(filters, now, context.zone) or Period(EPOCH, now + timedelta(days=1))


def listing(
    session: Session, *, filters: Filters, now: datetime, context: WebContext
) -> tuple[list[ProblemRecord], int]:
    """Return a page of the view's problems (newest first) and how many the view holds."""
    span = _span(filters, now, context)
    total = queries.count_view(session=session, filters=filters, period=span)
    rows = queries.full_records(
        session=session,
        filters=filters,
        period=span,
        limit=PER_PAGE,
        offset=(filters.page - 1) * PER_PAGE,
    )
    return rows, total


async def index(request: web.Request) -> web.Response:
    """Render the problems table of the view in the URL."""
    context = request.app[CONTEXT]
    filters = filters_of(request)
    rows, total = await context.db.read(
        listing, filters=filters, now=context.clock(), context=context
    )
    masked = [(row, mask_personal_data(row.text)) for row in rows]
    pages = max(1, -(-total // PER_PAGE))
    workshops = await context.db.read(queries.list_workshops)
    return page(
        request,
        "problems.html",
        filters=filters,
        rows=masked,
        total=total,
        pages=pages,
        workshops=workshops,
    )


async def download(request: web.Request) -> web.Response:
    """Send the view as CSV or XLSX, with the columns of ``innspill export``, oldest first."""
    context = request.app[CONTEXT]
    filters = filters_of(request)
    span = _span(filters, context.clock(), context)
    records = await context.db.read(queries.full_records, filters=filters, period=span)
    records.reverse()
    buffer = io.BytesIO()
    kind = request.match_info["kind"]
    if kind == "xlsx":
        language = language_of(request)
        if language not in context.staff_texts.languages:
            language = context.staff_texts.languages[0]
        content = context.content
        names = functools.partial(_name, content, language=language)
        words = Words(context.staff_texts, language, names, label_in(language))
        statuses = await context.db.read(
            queries.theme_statuses, theme_ids={r.theme for r in records if r.theme}
        )
        write_workbook(
            records, buffer, words, zone=context.zone, weights=context.weights, statuses=statuses
        )
        content_type = XLSX
    else:
        write_csv(records, buffer, zone=context.zone)
        content_type = "text/csv"
    return web.Response(
        body=buffer.getvalue(),
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="innspill-problems.{kind}"'},
    )


def _name(content: Content, key: str, *, language: str) -> str:
    return content.name(key, language)


def register(app: web.Application, context: WebContext) -> None:
    """Add /problems and its downloads."""
    app.router.add_get("/problems", index)
    app.router.add_get(r"/problems.{kind:csv|xlsx}", download)
