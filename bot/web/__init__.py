"""The staff workspace in the browser (aiohttp, server-rendered, no script from elsewhere)."""
