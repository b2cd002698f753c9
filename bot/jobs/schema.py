"""Whether the scheduled jobs can run: the database is reachable and has its schema.

A database dropped and recreated empty makes every job fail; the operator needs one clear line
("run `innspill db upgrade`"), not the same error every minute, and a flag a health endpoint
can read.
"""

import logging

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from storage.engine import current_revision

log = logging.getLogger(__name__)
NO_SCHEMA = "database has no schema: run `innspill db upgrade`"


class SchemaWatch:
    """Look at the database; ``ready`` is False while it is unreachable or has no schema."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ready = True
        self.reason = ""

    def check(self) -> bool:
        """Look once (blocking); log a change of state once, and return ``ready``."""
        try:
            reason = "" if current_revision(self.engine) else NO_SCHEMA
        except SQLAlchemyError as error:
            reason = f"database unreachable ({type(error).__name__})"
        if reason != self.reason:
            if reason:
                log.error("%s", reason)
            else:
                log.warning("database is ready again")
        self.reason, self.ready = reason, not reason
        return self.ready
