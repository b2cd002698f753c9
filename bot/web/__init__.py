"""The web server of WEB_HOST:WEB_PORT: the staff workspace, /results, health and metrics."""
