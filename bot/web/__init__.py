"""The web side of Innspill: the staff workspace and the public results page, one aiohttp app."""
