"""One aiohttp server on WEB_HOST:WEB_PORT; each feature adds its routes through a registrar."""

import logging
from collections.abc import Callable, Sequence

from aiohttp import web

from bot.settings import SettingsError

log = logging.getLogger(__name__)
Registrar = Callable[[web.Application], None]


class WebServer:
    """Serve the routes the registrars add, until ``stop()``."""

    def __init__(self, host: str, port: int, registrars: Sequence[Registrar]) -> None:
        self.host = host
        self.port = port  # the bound port once started (WEB_PORT=0 picks a free one)
        self.registrars = registrars
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Build the application and listen; several workers share the port (SO_REUSEPORT)."""
        app = web.Application()
        for register in self.registrars:
            register(app)
        self._runner = web.AppRunner(app, access_log=None)
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
