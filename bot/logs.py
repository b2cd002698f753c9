"""Logging set-up: levels from LOG_LEVEL, and secrets redacted from every record."""

import logging
from collections.abc import Iterable


class RedactSecrets(logging.Filter):
    """Replace each secret (bot token, keys) with *** wherever it appears in a log record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Log to stderr at ``level`` with secrets redacted (idempotent)."""
    root = logging.getLogger()
    root.setLevel(level)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    for old in [h for h in root.handlers if getattr(h, "innspill", False)]:
        root.removeHandler(old)
    handler.innspill = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    # aiohttp's access log would record every webhook request; warnings are enough.
    logging.getLogger("aiohttp.access").setLevel(max(logging.WARNING, root.level))
    # Alembic announces its plugins at INFO on every start: noise before any error line.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
