"""What the operators' monitoring reads: /healthz, /readyz and /metrics. No resident data."""

import asyncio
import hmac

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from bot.health import Readiness
from bot.metrics import exposition
from bot.web.app import RouteModule, WebContext
from bot.web.security import PUBLIC


def add_ops_routes(
    app: web.Application,
    *,
    readiness: Readiness,
    backlogs: Collector,
    metrics_token: str | None = None,
) -> None:
    """Add GET /healthz (alive), /readyz (ready, or 503 with reasons) and /metrics."""

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(_: web.Request) -> web.Response:
        verdict = await readiness.check()
        body: dict[str, object] = {"ready": verdict.ready, "checks": verdict.checks}
        if not verdict.ready:
            failed = (f"{name}: {result}" for name, result in verdict.checks.items())
            body["reason"] = "; ".join(r for r in failed if not r.endswith(": ok"))
        return web.json_response(body, status=200 if verdict.ready else 503)

    async def metrics(request: web.Request) -> web.Response:
        if metrics_token and not _bearer_matches(request, metrics_token):
            return web.json_response(
                {"error": "send Authorization: Bearer <METRICS_TOKEN>"},
                status=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        body = await asyncio.to_thread(exposition, backlogs)  # reads the database and files
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)


def _bearer_matches(request: web.Request, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


OPS_PATHS = ("/healthz", "/readyz", "/metrics")


def ops_routes(
    *, readiness: Readiness, backlogs: Collector, metrics_token: str | None = None
) -> RouteModule:
    """Return the route module of /healthz, /readyz and /metrics: no sign-in (a token guards
    /metrics when METRICS_TOKEN is set)."""

    def register(app: web.Application, context: WebContext) -> None:
        add_ops_routes(app, readiness=readiness, backlogs=backlogs, metrics_token=metrics_token)
        app[PUBLIC].extend(OPS_PATHS)

    return register
