"""Handled Telegram updates: each is claimed once, and old claims are pruned."""

from datetime import UTC, datetime, timedelta

import pytest

from storage.engine import session_scope
from storage.queries.hot_path import claim_update
from storage.queries.updates import prune_processed_updates
from tests.factories import SAMPLE_PROBLEM

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DRAFT = SAMPLE_PROBLEM


def test_an_update_is_claimed_once_and_a_rolled_back_claim_is_released(engine):
    with session_scope(engine) as session:
        assert claim_update(session=session, update_id=10**12, now=T0) is True
    with session_scope(engine) as session:
        assert claim_update(session=session, update_id=10**12, now=T0) is False
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        assert claim_update(session=session, update_id=7, now=T0) is True
        raise RuntimeError("handler failed")
    with session_scope(engine) as session:
        assert claim_update(session=session, update_id=7, now=T0) is True


def test_old_claims_are_pruned(engine):
    with session_scope(engine) as session:
        claim_update(session=session, update_id=1, now=T0)
        claim_update(session=session, update_id=2, now=T0 + timedelta(days=2))
    with session_scope(engine) as session:
        assert prune_processed_updates(session=session, older_than=T0 + timedelta(days=1)) == 1
    with session_scope(engine) as session:
        assert claim_update(session=session, update_id=1, now=T0) is True
        assert claim_update(session=session, update_id=2, now=T0) is False
