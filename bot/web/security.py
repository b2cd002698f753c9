"""What guards every request: the session, the role, CSRF tokens and the security headers."""

import hashlib
import hmac
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from storage import queries

if TYPE_CHECKING:
    from bot.web.app import WebContext

log = logging.getLogger(__name__)
COOKIE = "innspill_session"
PUBLIC = web.AppKey("public", list[str])
MEMBER = web.RequestKey("member", queries.WebMember)
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# No inline script or style, nothing from elsewhere: what the page needs comes from /static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def digest(token: str) -> str:
    """Return what is stored of a token: its SHA-256 (a leaked table opens nothing)."""
    return hashlib.sha256(token.encode()).hexdigest()


class SignInLimiter:
    """Refuse sign-in attempts from an address after ``limit`` bad ones within ``window`` s."""

    def __init__(self, limit: int = 5, window: float = 600.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}

    def blocked(self, address: str) -> bool:
        """Tell whether ``address`` must wait before trying again."""
        failures = self._failures.get(address)
        now = time.monotonic()
        while failures and failures[0] < now - self.window:
            failures.popleft()
        return failures is not None and len(failures) >= self.limit

    def failed(self, address: str) -> None:
        """Count a bad attempt from ``address``."""
        self._failures.setdefault(address, deque()).append(time.monotonic())


def _is_public(request: web.Request) -> bool:
    return any(request.path.startswith(prefix) for prefix in request.app[PUBLIC])


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Check the session, role and CSRF token of staff routes; add the security headers."""
    from bot.web.app import CONTEXT
    from bot.web.render import page

    context: WebContext = request.app[CONTEXT]
    try:
        if _is_public(request):
            response = await handler(request)
        elif (member := await _member(request, context)) is None:
            response = page(request, "message.html", status=401, message="signin_needed")
        elif request.method in UNSAFE and not await _csrf_ok(request, member.csrf):
            log.warning(
                "workspace: a %s to %s without a valid CSRF token", request.method, request.path
            )
            response = page(request, "message.html", status=403, message="forbidden")
        else:
            request[MEMBER] = member
            response = await handler(request)
    except web.HTTPNotFound:
        response = page(request, "message.html", status=404, message="not_found")
    _headers(response)
    return response


async def _member(request: web.Request, context: "WebContext") -> queries.WebMember | None:
    token = request.cookies.get(COOKIE, "")
    if not token:
        return None
    return await context.db.run(
        queries.session_member, session_hash=digest(token), now=context.clock()
    )


async def _csrf_ok(request: web.Request, expected: str) -> bool:
    sent = request.headers.get("X-CSRF-Token", "")
    if not sent and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        sent = str((await request.post()).get("csrf", ""))
    return bool(sent) and hmac.compare_digest(sent, expected)


def _headers(response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"  # sign-in links never leak onwards
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
