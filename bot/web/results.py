"""The public results page (``PUBLIC_RESULTS=on``): what became of the themes staff published.

No sign-in. Only themes staff marked public are listed, each with its label, its number of
problems (below 5 shown as "<5"), its status and the public note: no quotes, no cells by group
or area, nothing about any single resident. Rendered with Jinja2, autoescaped, without script.
"""

from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.web.app import RouteModule, WebContext
from bot.web.security import PUBLIC
from flows.content import Content
from flows.digest import shown
from flows.texts import fill
from storage import queries
from storage.database import Database
from storage.queries.statuses import PublicResult

TEMPLATES = Path(__file__).parent / "templates"
PATH = "/results"
# Inline styles only; no script may run, no frame may hold the page, nothing is loaded.
POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


@dataclass(frozen=True, slots=True)
class ThemeView:
    """One published theme as the page shows it, in the reader's language."""

    label: str
    count: str
    status: str
    note: str
    note_language: str
    note_language_name: str


def theme_views(results: list[PublicResult], content: Content, language: str) -> list[ThemeView]:
    """Turn the published themes into what the page shows (counts under 5 as "<5")."""
    return [
        ThemeView(
            label=result.label,
            count=fill(content.text("results_count", language), {"count": shown(result.count)}),
            status=content.text(f"status_{result.status}", language),
            note=result.note,
            note_language=result.note_language,
            note_language_name=content.language_names.get(result.note_language, "")
            if result.note
            else "",
        )
        for result in results
    ]


class ResultsPage:
    """Serve the results page from the database, in the language the reader picks."""

    def __init__(self, *, db: Database, content: Content, default_language: str) -> None:
        self.db = db
        self.content = content
        self.default_language = default_language
        self.templates = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"])
        )

    async def get(self, request: web.Request) -> web.Response:
        """Render the page in ``?lang=`` (an offered language) or the default one."""
        asked = request.query.get("lang", "")
        language = asked if asked in self.content.languages else self.default_language
        results = await self.db.read(queries.public_results)
        page = self.templates.get_template("results.html").render(
            language=language,
            languages=[
                (code, self.content.language_names[code]) for code in self.content.languages
            ],
            title=self.content.text("results_title", language),
            intro=self.content.text("results_intro", language),
            empty=self.content.text("results_empty", language),
            status_heading=self.content.text("results_status", language),
            themes=theme_views(results, self.content, language),
        )
        return web.Response(
            text=page,
            content_type="text/html",
            headers={"Content-Security-Policy": POLICY, "Cache-Control": "max-age=60"},
        )


def add_results_routes(
    app: web.Application,
    *,
    db: Database,
    content: Content,
    default_language: str,
    enabled: bool,
) -> None:
    """Serve GET /results on ``app`` when ``enabled`` (PUBLIC_RESULTS=on); else nothing."""
    if not enabled:
        return
    page = ResultsPage(db=db, content=content, default_language=default_language)
    app.router.add_get(PATH, page.get)


def results_routes(*, default_language: str, enabled: bool) -> RouteModule:
    """Return the route module that mounts /results on the workspace app, open without sign-in."""

    def register(app: web.Application, context: WebContext) -> None:
        if not enabled:
            return
        add_results_routes(
            app,
            db=context.db,
            content=context.content,
            default_language=default_language,
            enabled=True,
        )
        app[PUBLIC].append(PATH)

    return register
