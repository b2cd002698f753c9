"""Only one process leads the scheduled work; the lead passes on when its holder goes."""

import pytest

from storage.engine import make_engine
from storage.leadership import Leadership


def test_sqlite_has_one_process_and_it_always_leads(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    assert Leadership(engine).acquire() and not Leadership(engine).shared
    engine.dispose()


@pytest.mark.postgres
def test_one_leader_at_a_time_on_postgresql(postgres_url: str) -> None:
    first_engine, second_engine = make_engine(postgres_url), make_engine(postgres_url)
    first, second = Leadership(first_engine), Leadership(second_engine)
    try:
        assert first.acquire()
        assert first.acquire()  # confirming costs nothing and keeps the lead
        assert not second.acquire()
        first.release()  # as when the leading process dies: its connection closes
        assert second.acquire()
        assert not first.acquire()
    finally:
        first.release()
        second.release()
        first_engine.dispose()
        second_engine.dispose()
