"""The database every storage test works on: migrated, on SQLite and on PostgreSQL."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from storage.engine import make_engine, upgrade_database


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database for one test, disposed afterwards."""
    made = make_engine(database_url)
    upgrade_database(made)
    yield made
    made.dispose()
