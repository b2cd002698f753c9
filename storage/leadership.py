"""Which process runs the scheduled work (one at a time, across hosts), and a readiness probe.

On PostgreSQL leadership is a session-level advisory lock; SQLite is single-process by design.
"""

import contextlib
from typing import Final

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

# A fixed key for pg_try_advisory_lock: "innspill" read as digits, so no other app collides.
LEADER_LOCK_KEY: Final = 4_667_757_311


class Leadership:
    """Whether this process runs the scheduled work: one process at a time, across hosts.

    On PostgreSQL it is a session-level advisory lock held on a connection of its own; when
    the process dies the connection closes and another process takes over at its next try.
    SQLite is single-process by design: the one process always leads.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None

    @property
    def shared(self) -> bool:
        """Tell whether several processes may share this database (PostgreSQL)."""
        return self.engine.dialect.name == "postgresql"

    @property
    def held(self) -> bool:
        """Tell, without asking the database, whether this process led at its last try."""
        return not self.shared or self._connection is not None

    def acquire(self) -> bool:
        """Take or confirm leadership without waiting; return whether this process leads."""
        if not self.shared:
            return True
        if self._connection is not None and self._alive(self._connection):
            return True
        self.release()
        connection = self.engine.connect()
        taken = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK_KEY}
        ).scalar_one()
        connection.commit()
        if taken:
            self._connection = connection
            return True
        connection.close()
        return False

    def release(self) -> None:
        """Give leadership up (closing the connection releases the lock)."""
        if self._connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                # Unlock first: closing alone frees the lock only once the server has noticed
                # the closed connection, and a successor asking at once would be refused.
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK_KEY}
                )
                self._connection.commit()
            with contextlib.suppress(SQLAlchemyError):
                # Not back to the pool: the lock lives as long as the database session does.
                self._connection.invalidate()
                self._connection.close()
            self._connection = None

    @staticmethod
    def _alive(connection: Connection) -> bool:
        try:
            connection.execute(text("SELECT 1")).scalar_one()
            connection.commit()
        except SQLAlchemyError:
            return False
        return True


# Whether any session holds the leader lock in this database (a bigint key: classid << 32 | objid).
_LEADER_HELD: Final = (
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = %s "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))"
)


def probe(engine: Engine) -> tuple[str | None, bool]:
    """Return the schema revision (None if never migrated) and whether some process leads.

    Through the driver, without a transaction: SQLite's BEGIN IMMEDIATE would wait behind a
    writer, and a readiness probe must answer at once. On SQLite the one process always leads.
    """
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT 1")
        leader = True
        if engine.dialect.name == "postgresql":
            cursor.execute(_LEADER_HELD, (LEADER_LOCK_KEY,))
            (held,) = cursor.fetchone() or (False,)
            leader = bool(held)
        try:
            cursor.execute("SELECT version_num FROM alembic_version")
            row = cursor.fetchone()
        except Exception:  # no alembic_version table: never migrated
            row = None
        return (str(row[0]) if row else None), leader
    finally:
        raw.close()
