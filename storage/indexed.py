"""SQLite's ``INDEXED BY``: a query names the index SQLite must read a table through.

SQLAlchemy's SQLite compiler drops table hints; the engine (``storage.engine``) compiles with
this one, which writes them after the table's name. Other databases ignore the hint.
"""

from typing import Any, TypeVar

from sqlalchemy import FromClause
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.sql import Select

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])


class HintedCompiler(SQLiteCompiler):
    """Compile SQLite statements with their table hints."""

    def get_from_hint_text(self, table: FromClause, text: str | None) -> str | None:
        """Return the hint as written (``INDEXED BY ix_…``)."""
        return text


def indexed_by(query: Q, table: FromClause, index: str) -> Q:
    """Make SQLite read ``table`` through ``index`` in ``query``."""
    return query.with_hint(table, f"INDEXED BY {index}", "sqlite")
