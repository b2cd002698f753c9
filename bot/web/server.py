"""One aiohttp server on WEB_HOST:WEB_PORT: the workspace, /results, health and metrics."""

import logging
from collections.abc import Callable

from aiohttp import web

from bot.settings import SettingsError

log = logging.getLogger(__name__)


class WebServer:
    """Serve the application ``build`` makes (``bot.web.app.make_app``), until ``stop()``."""

    def __init__(self, host: str, port: int, build: Callable[[], web.Application]) -> None:
        self.host = host
        self.port = port  # the bound port once started (WEB_PORT=0 picks a free one)
        self.build = build
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Build the application and listen; several workers share the port (SO_REUSEPORT)."""
        # No access log: a sign-in link's token is in its path.
        self._runner = web.AppRunner(self.build(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_port=True)
        try:
            await site.start()
        except OSError as error:
            await self.stop()
            raise SettingsError(
                f"WEB_HOST/WEB_PORT: cannot listen on {self.host}:{self.port} ({error.strerror})"
            ) from None
        self.port = self._runner.addresses[0][1]
        log.info("web server listening on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening and close open requests."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
