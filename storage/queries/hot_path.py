"""The statements every resident update runs: a few Core statements, built once, no ORM.

A resident's update runs in one transaction: claim the update id, enter the resident (marked
seen, the row locked), read the interview state, and store the new one. Through the ORM that
was about a dozen round trips (the conversation selected twice, a savepoint pair for a new
resident, an UPDATE per changed row) and most of the worker thread's time went into the unit of
work and statement compilation. Here each step is one statement, built once per database
dialect (SQLAlchemy then finds its compiled form in the engine's cache) and run on the
session's connection, in the session's transaction: the rare steps that still go through the
ORM (a problem saved, consent recorded, an erasure) share that transaction.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, Select, Update, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from storage.models import Conversation, ProcessedUpdate, Resident, ResidentBase

_RESIDENT = Resident.__table__  # type: ignore[attr-defined]
_CONVERSATION = Conversation.__table__  # type: ignore[attr-defined]
_UPDATE = ProcessedUpdate.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Entered:
    """The resident an update is from: their row id and the consent they gave (0: none)."""

    id: int
    consent_version: int


@dataclass(frozen=True, slots=True)
class _Statements:
    claim: Insert
    touch: Update
    create: Insert
    state: Select[Any]
    store: Insert
    replied: Update


@functools.cache
def _statements(dialect: str) -> _Statements:
    """Build the hot path's statements for ``dialect`` ("sqlite" or "postgresql") once."""
    # Parameters are named apart from the columns (SQLAlchemy reserves those): uid = update
    # id, at = now, who = pseudonym, rid = resident id, doc = interview state.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    entered = (_RESIDENT.c.id, _RESIDENT.c.consent_version)
    claim = (
        insert(_UPDATE)
        .values(update_id=bindparam("uid"), processed_at=bindparam("at"))
        .on_conflict_do_nothing(index_elements=[_UPDATE.c.update_id])
        # RETURNING, not rowcount: the driver does not report rowcount reliably here.
        .returning(_UPDATE.c.update_id)
    )
    # An UPDATE locks the row to the end of the transaction (PostgreSQL; SQLite's BEGIN
    # IMMEDIATE already holds the whole file), so one resident's updates are applied one at a
    # time across processes, as SELECT … FOR UPDATE did.
    touch = (
        update(_RESIDENT)
        .where(_RESIDENT.c.pseudonym == bindparam("who"))
        .values(last_seen_at=bindparam("at"))
        .returning(*entered)
    )
    new = insert(_RESIDENT).values(
        pseudonym=bindparam("who"),
        created_at=bindparam("at"),
        last_seen_at=bindparam("at"),
    )
    # Only for a pseudonym not seen yet; two first messages at once meet in the unique index
    # and the later one updates (and so waits for and locks) the row the first one made.
    create = new.on_conflict_do_update(
        index_elements=[_RESIDENT.c.pseudonym],
        set_={"last_seen_at": new.excluded.last_seen_at},
    ).returning(*entered)
    state = select(_CONVERSATION.c.state).where(_CONVERSATION.c.resident_id == bindparam("rid"))
    stored = insert(_CONVERSATION).values(
        resident_id=bindparam("rid"),
        state=bindparam("doc", type_=_CONVERSATION.c.state.type),
        updated_at=bindparam("at"),
    )
    store = stored.on_conflict_do_update(
        index_elements=[_CONVERSATION.c.resident_id],
        set_={"state": stored.excluded.state, "updated_at": stored.excluded.updated_at},
    )
    replied = (
        update(_UPDATE)
        .where(_UPDATE.c.update_id.in_(bindparam("uids", expanding=True)))
        .values(replied_at=bindparam("at"))
    )
    return _Statements(claim, touch, create, state, store, replied)


def _run(session: Session, statement: Any, **params: Any) -> Any:
    """Run a Core statement on the session's connection, in its transaction."""
    connection = session.connection()
    return connection.execute(statement, params)


def _for(session: Session) -> _Statements:
    return _statements(session.get_bind().dialect.name)


def claim_update(session: Session, *, update_id: int, now: datetime) -> bool:
    """Mark a Telegram update as handled: True the first time, False if it already was."""
    # Part of the caller's transaction: if that rolls back, the update can be claimed again.
    found = _run(session, _for(session).claim, uid=update_id, at=now)
    return found.first() is not None


def enter_resident(session: Session, *, pseudonym: str, now: datetime) -> Entered:
    """Return the resident with this pseudonym, created if new, marked seen and locked.

    Locked to the end of the transaction, so one resident's updates are handled one at a time
    across processes.
    """
    statements = _for(session)
    row = _run(session, statements.touch, who=pseudonym, at=now).first()
    if row is None:
        ResidentBase.model_validate({"pseudonym": pseudonym})  # only a new one can be wrong
        row = _run(session, statements.create, who=pseudonym, at=now).one()
    return Entered(id=row[0], consent_version=row[1])


def load_state(session: Session, *, resident_id: int) -> dict[str, Any] | None:
    """Return the resident's interview state (a fresh copy), or None if they have none."""
    # Decoded from the stored JSON: a new object each time, never shared with anything.
    found: dict[str, Any] | None = _run(session, _for(session).state, rid=resident_id).scalar()
    return found


def save_state(
    session: Session, *, resident_id: int, state: dict[str, Any], now: datetime
) -> None:
    """Store the resident's whole interview state: one statement, new or not."""
    _run(session, _for(session).store, rid=resident_id, doc=state, at=now)


def mark_replied_many(session: Session, *, update_ids: Sequence[int], now: datetime) -> None:
    """Record that the answers to ``update_ids`` were delivered, in one statement."""
    if update_ids:
        _run(session, _for(session).replied, uids=list(update_ids), at=now)
