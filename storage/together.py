"""Reads run side by side on several PostgreSQL connections, all on one snapshot.

A year's overview passes over half a million problems six times; each pass is one process's
work in PostgreSQL. Run on separate connections that import the staff read's snapshot
(``pg_export_snapshot``), the passes overlap and every figure is what one transaction would
have counted. SQLite runs them one after another in the caller's read transaction: its
connections cannot share a snapshot, and figures read from two could fail to add up.
"""

import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

from sqlalchemy import Engine, text
from sqlmodel import Session

from storage.engine import READ_ONLY, READ_SETTINGS_PG, SNAPSHOT_ISOLATION

Part = Callable[[Session], Any]
# Connections a read takes besides its own: PostgreSQL also runs parallel workers per pass.
MORE_CONNECTIONS: Final = 3
_SNAPSHOT_ID: Final = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")
# Marks a connection that imported a snapshot: its parts run there, one after another. Only the
# reading session's own connection spreads out, so a connection that waits for more never
# holds one a worker needs (no pool deadlock).
_IMPORTED: Final = "innspill_imported_snapshot"
# Parts that run side by side get no parallel workers of their own: the parts already keep the
# cores busy, and workers would only add processes to share them and partial sums to merge.
# Each part is a pass over a period of problems: read from the narrow covering indexes
# (index-only) rather than the wide table, it costs 30-50 % less CPU, but without workers the
# planner prices the two alike and picks the table unless random reads are priced as on SSD.
_SIDE_BY_SIDE: Final = (
    "SELECT set_config('max_parallel_workers_per_gather', '0', true),"
    " set_config('random_page_cost', '1.1', true)"
)


def together(session: Session, parts: Sequence[Part]) -> list[Any]:
    """Run the read-only ``parts`` on ``session``'s snapshot; return their results in order.

    The first part runs on ``session`` itself (it may call ``together`` again); put the
    slowest first. Only a staff read's session (``storage.engine.read_scope``) shares its
    snapshot: another transaction may hold writes of its own that no other connection sees.
    """
    engine = session.get_bind()
    options = session.connection().get_execution_options()
    if (
        not isinstance(engine, Engine)
        or engine.dialect.name != "postgresql"
        or len(parts) < 2
        or not options.get(READ_ONLY, False)
        or options.get(_IMPORTED, False)
    ):
        return [part(session) for part in parts]
    snapshot = str(session.execute(text("SELECT pg_export_snapshot()")).scalar_one())
    session.execute(text(_SIDE_BY_SIDE))  # for the rest of the read (SET LOCAL)
    if not _SNAPSHOT_ID.fullmatch(snapshot):  # it is spliced into SQL below
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    rest = parts[1:]
    shares = [rest[i::MORE_CONNECTIONS] for i in range(min(MORE_CONNECTIONS, len(rest)))]
    with ThreadPoolExecutor(len(shares), thread_name_prefix="together") as pool:
        futures = [pool.submit(_imported, engine, snapshot, share) for share in shares]
        first = parts[0](session)
        done = [future.result() for future in futures]
    results: list[Any] = [None] * len(rest)
    for i, share in enumerate(done):
        results[i::MORE_CONNECTIONS] = share
    return [first, *results]


def _imported(engine: Engine, snapshot: str, parts: Sequence[Part]) -> list[Any]:
    """Run ``parts`` on a connection of its own that sees exactly ``snapshot``."""
    reader = engine.execution_options(
        **{READ_ONLY: True, _IMPORTED: True}, isolation_level=SNAPSHOT_ISOLATION
    )
    with Session(reader, expire_on_commit=False) as session, session.begin():
        # Before any query of the transaction, or PostgreSQL refuses it.
        session.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
        session.execute(text(READ_SETTINGS_PG))
        session.execute(text(_SIDE_BY_SIDE))
        return [part(session) for part in parts]
