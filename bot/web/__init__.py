"""The web side of Innspill: aiohttp route modules mounted on one server."""
