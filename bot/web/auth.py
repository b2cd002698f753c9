"""Signing in with a one-time link, and signing out."""

import logging
import secrets
from datetime import datetime, timedelta

from aiohttp import web

from bot.web.app import CONTEXT, WebContext
from bot.web.render import page
from bot.web.security import COOKIE, MEMBER, digest
from storage import queries
from storage.database import Database

log = logging.getLogger(__name__)
LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=10)  # a working day
TOKEN_BYTES = 32


def issue_link(db: Database, *, telegram_id: int, now: datetime, public_url: str) -> str | None:
    """Store a one-time sign-in link for a staff member; None if they are not staff."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    stored = db.call(
        queries.add_sign_in,
        telegram_id=telegram_id,
        token_hash=digest(token),
        now=now,
        expires_at=now + LINK_LIFETIME,
    )
    return f"{public_url.rstrip('/')}/signin/{token}" if stored else None


async def ask(request: web.Request) -> web.Response:
    """Show the sign-in button (a GET never uses the link: link previews must not spend it)."""
    return page(request, "signin.html", action=request.path)


async def sign_in(request: web.Request) -> web.Response:
    """Use the link: open a session for a working day, or say why not."""
    context = request.app[CONTEXT]
    address = request.remote or "?"
    if context.limiter.blocked(address):
        log.warning("workspace sign-in refused: too many bad links from %s", address)
        return page(request, "message.html", status=429, message="signin_slow")
    session_token, csrf = secrets.token_urlsafe(TOKEN_BYTES), secrets.token_urlsafe(TOKEN_BYTES)
    now = context.clock()
    outcome = await context.db.run(
        queries.redeem_sign_in,
        token_hash=digest(request.match_info["token"]),
        session_hash=digest(session_token),
        csrf=csrf,
        now=now,
        until=now + SESSION_LIFETIME,
    )
    if outcome != "ok":
        context.limiter.failed(address)
        log.warning("workspace sign-in refused: %s link from %s", outcome, address)
        return page(request, "message.html", status=400, message=f"signin_{outcome}")
    response = web.Response(status=303, headers={"Location": "/"})
    response.set_cookie(
        COOKIE,
        session_token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=context.secure,
        path="/",
    )
    return response


async def sign_out(request: web.Request) -> web.Response:
    """End this browser's session."""
    context = request.app[CONTEXT]
    token = request.cookies.get(COOKIE, "")
    await context.db.run(queries.end_session, session_hash=digest(token))
    del request[MEMBER]
    response = page(request, "message.html", message="signed_out")
    response.del_cookie(COOKIE, path="/")
    return response


def register(app: web.Application, context: WebContext) -> None:
    """Add /signin/{token} and /signout."""
    app.router.add_get("/signin/{token}", ask)
    app.router.add_post("/signin/{token}", sign_in)
    app.router.add_post("/signout", sign_out)
