"""Logging set-up: levels from LOG_LEVEL, readable or JSON lines, and secrets redacted."""

import json
import logging
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime

# Ids of the work under way in this task, added to every JSON log line written meanwhile.
UPDATE_ID: ContextVar[int | None] = ContextVar("update_id", default=None)
OUTBOX_ITEM: ContextVar[str | None] = ContextVar("outbox_item", default=None)


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


class JsonLines(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message and the current ids.

    A traceback is left out: its frames may quote resident text (it is logged at DEBUG only).
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (update_id := UPDATE_ID.get()) is not None:
            line["update_id"] = update_id
        if (item := OUTBOX_ITEM.get()) is not None:
            line["outbox_item"] = item
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False)


def configure_logging(
    level: str, secrets: Iterable[str] = (), *, json_lines: bool = False
) -> None:
    """Log to stderr at ``level`` with secrets redacted, as text or JSON lines (idempotent)."""
    root = logging.getLogger()
    root.setLevel(level)
    handler = logging.StreamHandler()
    if json_lines:
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    for old in [h for h in root.handlers if getattr(h, "innspill", False)]:
        root.removeHandler(old)
    handler.innspill = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    # aiohttp's access log would record every webhook request; warnings are enough. Alembic
    # announces each migration at INFO, which would land in the terminal chat and CLI output.
    for noisy in ("aiohttp.access", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
