"""The web server: health, metrics (and the staff workspace), on WEB_HOST:WEB_PORT."""
