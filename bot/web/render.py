"""Render a page: the template with the staff member's language, their CSRF token and the view."""

from datetime import datetime
from typing import Any

from aiohttp import web

from bot.web.security import MEMBER
from flows.digest import shown
from flows.workspace import PRESETS, Filters

NAV: tuple[tuple[str, str], ...] = (
    ("/", "nav_overview"),
    ("/themes", "nav_themes"),
    ("/problems", "nav_problems"),
    ("/workshops", "nav_workshops"),
    ("/map", "nav_map"),
)


def language_of(request: web.Request) -> str:
    """Return the staff member's language, or the first page language before sign-in."""
    from bot.web.app import CONTEXT

    texts = request.app[CONTEXT].texts
    member = request.get(MEMBER)
    return texts.pick(member.language) if member is not None else texts.languages[0]


def page(request: web.Request, template: str, *, status: int = 200, **values: Any) -> web.Response:
    """Render ``template`` as an HTML response."""
    from bot.web.app import CONTEXT, TEMPLATES

    context = request.app[CONTEXT]
    language = language_of(request)
    member = request.get(MEMBER)

    def t(key: str, **filled: object) -> str:
        return context.texts.fill(key, language, **filled)

    def name(key: str) -> str:
        return context.content.name(key, language) if key else t("unspecified")

    def status_name(key: str) -> str:
        return context.staff_texts.plain(f"status_{key}", language)

    def local(moment: datetime) -> str:
        return f"{moment.astimezone(context.zone):%d.%m.%Y %H:%M}"

    body = (
        request.app[TEMPLATES]
        .get_template(template)
        .render(
            t=t,
            name=name,
            shown=shown,
            local=local,
            status_name=status_name,
            language=language,
            member=member,
            csrf=member.csrf if member is not None else "",
            nav=NAV if member is not None else (),
            path=request.path,
            presets=PRESETS,
            content=context.content,
            static=lambda file: request.app.router["static"].url_for(filename=file),
            **values,
        )
    )
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def filters_of(request: web.Request) -> Filters:
    """Return the view the URL asks for."""
    from flows.workspace import parse_filters

    return parse_filters({key: value for key, value in request.query.items()})
