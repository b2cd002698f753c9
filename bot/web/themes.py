"""Themes: the sortable, filterable table, one theme's quotes and breakdown, and staff actions."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiohttp import web
from sqlmodel import Session

from bot.services.themes import MergeRefused, merge_in, relabel
from bot.web.app import CONTEXT, WebContext
from bot.web.render import filters_of, page
from bot.web.security import MEMBER
from flows.periods import Period, previous
from flows.privacy import mask_personal_data
from flows.records import ProblemRecord
from flows.status import STATUSES
from flows.svg import sparkline, trend
from flows.workspace import (
    TREND_WEEKS,
    Cell,
    Filters,
    ThemeRow,
    lift_table,
    resolve_period,
    theme_rows,
    week_bounds,
)
from storage import queries
from storage.models import THEME_LABEL_MAX, StaffAction, StatusChange
from storage.queries.statuses import Target
from storage.together import together

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
QUOTES_PER_PAGE = 100
TIMELINE_WEEKS = 26


def table(
    session: Session, *, filters: Filters, now: datetime, context: WebContext
) -> list[tuple[ThemeRow, list[int], str]]:
    """Return the view's themes in the chosen order, each with its last 12 weeks and status."""
    period = resolve_period(filters, now, context.zone)
    span = period or Period(EPOCH, now + timedelta(days=1))
    earlier = previous(period, context.zone) if period is not None else None
    bounds = week_bounds(now, context.zone, TREND_WEEKS)
    (current, before), weeks = together(
        session,
        [
            lambda s: queries.theme_sums_before(
                session=s, filters=filters, period=span, earlier=earlier
            ),
            lambda s: queries.week_counts(session=s, filters=filters, bounds=bounds),
        ],
    )
    labels = queries.theme_labels(session=session)
    rows = theme_rows(current, before, labels, context.weights, filters.sort)
    statuses = queries.theme_statuses(session=session, theme_ids=[row.theme for row in rows])
    if filters.status:
        rows = [row for row in rows if statuses[row.theme] == filters.status]
    empty = [0] * TREND_WEEKS
    return [(row, weeks.get(row.theme, empty), statuses[row.theme]) for row in rows]


async def index(request: web.Request) -> web.Response:
    """Render the themes table of the view in the URL."""
    context = request.app[CONTEXT]
    filters = filters_of(request)
    rows = await context.db.read(table, filters=filters, now=context.clock(), context=context)
    title = context.texts.fill("weeks12", request[MEMBER].language)
    lines = [
        (row, sparkline(weeks, f"{title}: {', '.join(map(str, weeks))}"), status)
        for row, weeks, status in rows
    ]
    workshops = await context.db.read(queries.list_workshops)
    return page(
        request,
        "themes.html",
        filters=filters,
        rows=lines,
        workshops=workshops,
        statuses=STATUSES,
    )


@dataclass(frozen=True, slots=True)
class ThemePage:
    """One theme: a page of its quotes, who hid which, its cells, timeline and log."""

    theme: int
    label: str
    total: int
    quotes: list[ProblemRecord]
    hidden: dict[int, queries.Hidden]
    cells: dict[tuple[str, str], Cell]
    groups: list[str]
    areas: list[str]
    weeks: list[int]
    week_labels: list[str]
    log: list[StaffAction]
    labels: dict[int, str]
    status: str
    history: list[StatusChange]
    public: bool


def detail(
    session: Session, *, theme: int, filters: Filters, now: datetime, context: WebContext
) -> ThemePage | None:
    """Gather one theme's page; None if there is no such theme (or it was merged away)."""
    labels = queries.theme_labels(session=session)
    if theme not in labels:
        return None
    everything = Filters(period="all")
    total, own = queries.theme_cells(session=session, theme=theme)
    offset = (filters.page - 1) * QUOTES_PER_PAGE
    quotes = queries.full_records(
        session=session,
        filters=everything,
        period=None,
        theme=theme,
        limit=QUOTES_PER_PAGE,
        offset=offset,
    )
    everyone: defaultdict[tuple[str, str], int] = defaultdict(int)
    for groups, area, count in queries.cell_totals(session=session, period=None):
        for group in groups or [""]:
            everyone[(group, area)] += count
    table = lift_table(own, everyone)
    bounds = week_bounds(now, context.zone, TIMELINE_WEEKS)
    weeks = queries.week_counts(session=session, filters=everything, bounds=bounds, theme=theme)
    ids = [q.id for q in quotes]
    return ThemePage(
        theme=theme,
        label=labels[theme],
        total=total,
        quotes=[_masked(q) for q in quotes],
        hidden=queries.hidden_quotes(session=session, ids=ids),
        cells=table,
        groups=sorted({g for g, _ in table}),
        areas=sorted({a for _, a in table}),
        weeks=weeks.get(theme, [0] * TIMELINE_WEEKS),
        week_labels=[f"{b.astimezone(context.zone):%d.%m}" for b in bounds[:-1]],
        log=queries.theme_actions(
            session=session, targets=[f"theme:{theme}", *(f"problem:{i}" for i in ids)]
        ),
        labels=labels,
        status=queries.theme_statuses(session=session, theme_ids=[theme])[theme],
        history=queries.status_history(session=session, target=Target(theme_id=theme)),
        public=queries.is_public(session=session, theme_id=theme),
    )


def _masked(record: ProblemRecord) -> ProblemRecord:
    from dataclasses import replace

    return replace(record, text=mask_personal_data(record.text))


async def one(request: web.Request) -> web.Response:
    """Render one theme."""
    theme = number(request.match_info["theme"])
    return await show(request, theme, done=request.query.get("done", ""))


async def show(
    request: web.Request, theme: int, *, status: int = 200, **values: object
) -> web.Response:
    """Render the page of ``theme`` with ``values`` for its template (a draft, a message)."""
    context = request.app[CONTEXT]
    filters = filters_of(request)
    found = await context.db.read(
        detail, theme=theme, filters=filters, now=context.clock(), context=context
    )
    if found is None:
        raise web.HTTPNotFound()
    title = context.texts.fill("timeline", request[MEMBER].language)
    chart = trend(found.weeks, found.week_labels, title)
    return page(
        request,
        "theme.html",
        status=status,
        found=found,
        chart=chart,
        filters=filters,
        statuses=STATUSES,
        **values,
    )


def number(text: str) -> int:
    """Read a theme number from a path; answer 404 if it is not one."""
    if not text.isdigit() or len(text) > 12:
        raise web.HTTPNotFound()
    return int(text)


async def act(request: web.Request) -> web.StreamResponse:
    """Rename, merge, move a problem, or hide or show a quote; then show the theme again."""
    context = request.app[CONTEXT]
    member = request[MEMBER]
    theme = number(request.match_info["theme"])
    action = request.match_info["action"]
    form = await request.post()
    done = await context.db.run(
        _apply,
        action=action,
        theme=theme,
        form={key: str(value) for key, value in form.items()},
        telegram_id=member.telegram_id,
        now=context.clock(),
    )
    target = theme if action != "merge" or not done else int(str(form.get("into", theme)))
    outcome = done if isinstance(done, str) else "refused"
    raise web.HTTPSeeOther(f"/themes/{target}?done={outcome}")


def _apply(
    session: Session,
    *,
    action: str,
    theme: int,
    form: dict[str, str],
    telegram_id: int,
    now: datetime,
) -> str | None:
    """Carry out one action and log it; return what was done, or None if it made no sense."""

    def number(name: str) -> int | None:
        value = form.get(name, "").strip().lstrip("#")
        return int(value) if value.isdigit() and len(value) < 12 else None

    match action:
        case "rename":
            label = " ".join(form.get("label", "").split())
            if len(label) > THEME_LABEL_MAX or not queries.rename_theme(
                session=session, theme_id=theme, label=label
            ):
                return None
            detail, done = label, "renamed"
        case "merge":
            into = number("into")
            if into is None:
                return None
            try:  # the theme model merges too, so new problems join the theme kept
                merge_in(session, keep=into, absorb=theme, now=now)
            except MergeRefused:
                return None
            detail, done = f"into theme:{into}", "merged"
        case "move":
            problem, into = number("problem"), number("into")
            if problem is None or into is None:
                return None
            if not queries.move_problem(session=session, problem_id=problem, theme_id=into):
                return None
            queries.log_action(
                session=session,
                telegram_id=telegram_id,
                action="move",
                target=f"problem:{problem}",
                detail=f"theme:{theme} to theme:{into}",
                now=now,
            )
            return "moved"
        case "hide" | "show":
            problem = number("problem")
            if problem is None or not queries.set_quote_hidden(
                session=session,
                problem_id=problem,
                hidden=action == "hide",
                telegram_id=telegram_id,
                now=now,
            ):
                return None
            holder = queries.problem_themes(session=session, ids=[problem]).get(problem)
            if holder is not None:  # a hidden quote's words leave its theme's label
                relabel(session, theme_id=holder, now=now)
            return "hidden" if action == "hide" else "shown"
        case _:
            return None
    queries.log_action(
        session=session,
        telegram_id=telegram_id,
        action=action,
        target=f"theme:{theme}",
        detail=detail,
        now=now,
    )
    return done


def register(app: web.Application, context: WebContext) -> None:
    """Add /themes, /themes/{id} and the actions on a theme."""
    app.router.add_get("/themes", index)
    app.router.add_get("/themes/{theme}", one)
    app.router.add_post("/themes/{theme}/{action}", act)
