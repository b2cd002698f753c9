"""A fake LibreTranslate server on 127.0.0.1: POST /translate {q, source, target, format}.

It answers like LibreTranslate (``{"translatedText": …}``, a list for a list), records every
request, and can be made slow, failing, or refusing a language, to test that digests never
wait for it or break because of it.
"""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeLibreTranslate:
    """The server's behaviour and what it was asked."""

    api_key: str = ""  # when set, requests without it get 403 like LibreTranslate
    delay: float = 0.0  # seconds before each answer
    status: int = 200  # anything else: answered with {"error": …}
    refused: frozenset[str] = frozenset()  # source languages answered 400
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    def translated(self, text: str, target: str) -> str:
        """Return what the fake makes of ``text``: recognisably translated, nothing more."""
        return f"[{target}] {text}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/translate", self._translate)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _translate(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.api_key and body.get("api_key") != self.api_key:
            return _error(403, "Invalid API key")
        if self.status != 200:
            return _error(self.status, "Slowdown")
        if body.get("source") in self.refused:
            return _error(400, f"{body['source']} is not supported")
        texts, target = body["q"], body["target"]
        if isinstance(texts, list):
            return web.json_response(
                {"translatedText": [self.translated(t, target) for t in texts]}
            )
        return web.json_response({"translatedText": self.translated(texts, target)})

    def texts(self) -> list[str]:
        """Return every text the server was asked to translate, in order."""
        found: list[str] = []
        for body in self.requests:
            q = body["q"]
            found.extend(q if isinstance(q, list) else [q])
        return found


def _error(status: int, message: str) -> web.Response:
    return web.Response(
        status=status, text=json.dumps({"error": message}), content_type="application/json"
    )


@contextlib.asynccontextmanager
async def running_fake_translator(**kwargs: Any) -> AsyncIterator[FakeLibreTranslate]:
    """Run a FakeLibreTranslate for the duration of the block."""
    fake = FakeLibreTranslate(**kwargs)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
