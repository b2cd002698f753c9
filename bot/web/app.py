"""The workspace application: its context, the app factory and the server.

Features add pages by handing ``make_app`` more route modules: a ``RouteModule`` is a function
``register(app, context)`` that adds routes to ``app.router``. Routes are staff-only unless
their path starts with a prefix the module appends to ``app[PUBLIC]`` (e.g. "/healthz",
"/results"); staff routes get the member in ``request[MEMBER]`` (``bot.web.security.MEMBER``)
and CSRF checks on POST.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from bot.web.security import PUBLIC, SignInLimiter, guard
from flows.content import Content
from flows.priority import Weights
from flows.staff_texts import StaffTexts
from flows.workspace_texts import PageTexts
from storage.database import Database

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
Clock = Callable[[], datetime]


@dataclass
class WebContext:
    """What every page needs: the database, the content, texts, the clock and the settings."""

    db: Database
    content: Content
    texts: PageTexts
    staff_texts: StaffTexts
    clock: Clock
    zone: ZoneInfo
    weights: Weights
    public_url: str
    bot_username: str = ""  # set once the bot knows it (QR posters need it)
    limiter: SignInLimiter = field(default_factory=SignInLimiter)

    @property
    def secure(self) -> bool:
        """Tell whether staff reach the workspace over https (the cookie is then Secure)."""
        return self.public_url.startswith("https://")


RouteModule = Callable[[web.Application, WebContext], None]
CONTEXT = web.AppKey("context", WebContext)
TEMPLATES = web.AppKey("templates", jinja2.Environment)


def standard_modules() -> list[RouteModule]:
    """Return the workspace's own route modules: sign-in, pages, actions, assets."""
    from bot.web import auth, overview, places, problems, theme_status, themes, workshops

    return [
        auth.register,
        overview.register,
        theme_status.register,  # before the theme actions, which match any name
        themes.register,
        problems.register,
        workshops.register,
        places.register,
        _static,
    ]


def make_app(context: WebContext, modules: Iterable[RouteModule] | None = None) -> web.Application:
    """Build the workspace app with the standard route modules and any more given."""
    app = web.Application(middlewares=[guard])
    app[CONTEXT] = context
    app[PUBLIC] = ["/static/", "/signin/"]
    app[TEMPLATES] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # resident words are never marked safe
        trim_blocks=True,
        lstrip_blocks=True,
    )
    for register in [*standard_modules(), *(modules or ())]:
        register(app, context)
    return app


def _static(app: web.Application, context: WebContext) -> None:
    app.router.add_static("/static/", HERE / "static", name="static", append_version=True)
