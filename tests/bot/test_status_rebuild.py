"""Rebuilding themes keeps what staff told residents: status, history, public flag, news owed."""

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.jobs.themes import assign_pending
from bot.services.statuses import change_status
from bot.services.themes import rebuild_themes
from storage import queries
from storage.database import Database
from storage.engine import session_scope
from storage.models import StatusNotice
from storage.queries.statuses import Target
from tests.packaged import content
from tests.themes_data import BUS_NB, BUS_NN, LIGHT, NOW, SNOW, clock, save, themes_of

PLANNED = "Vi setter opp en ekstra kveldsavgang fra mars."
STARTED = "Den første ekstra avgangen går fra 2. mars."


def agreed(engine: Engine, who: str, chat_id: int) -> int:
    """Let the resident ``who`` agree to hear back; return their id."""
    with session_scope(engine) as session:
        row = queries.get_or_create_resident(session=session, pseudonym=who, now=NOW)
        assert row.id is not None
        queries.record_hear_back(
            session=session, resident_id=row.id, version=1, chat_id=chat_id, now=NOW
        )
        return row.id


def sent(engine: Engine, notice_id: int) -> None:
    """Deliver a notice as the outbox does: lease it, then mark it sent."""
    later = NOW + timedelta(hours=2)
    with session_scope(engine) as session:
        assert queries.claim_status_notice(
            session=session, notice_id=notice_id, claim="c", now=later, until=later
        )
        assert queries.outbox_finish(
            session=session, table=StatusNotice, row_id=notice_id, claim="c", now=later
        )


def notices(engine: Engine) -> list[StatusNotice]:
    with session_scope(engine) as session:
        return list(session.exec(select(StatusNotice).order_by(StatusNotice.id)))


def test_a_rebuilt_theme_keeps_its_status_history_and_public_flag_without_new_news(
    engine: Engine,
) -> None:
    for n, text in enumerate([BUS_NB, SNOW, BUS_NN, LIGHT]):
        save(engine, text, who=f"r{n}")
    resident = agreed(engine, "r0", chat_id=500)
    assign_pending(engine, clock=clock)
    old = themes_of(engine)
    bus = old[1] or 0
    db = Database(engine)

    def status(name: str, note: str, minutes: int) -> None:
        change_status(
            db, content(), target=Target(theme_id=bus), status=name, note=note,
            changed_by="cli:kari", now=NOW + timedelta(minutes=minutes),
        )  # fmt: skip

    status("planned", PLANNED, 0)
    sent(engine, notices(engine)[0].id or 0)
    status("in_progress", STARTED, 90)  # its news not sent yet
    db.call(queries.set_public, theme_id=bus, public=True, now=NOW)

    rebuild_themes(engine, now=NOW + timedelta(hours=3))
    new = themes_of(engine)
    heir = new[1] or 0
    assert heir not in old.values() and new[3] == heir  # new ids; the bus theme is together

    # /mine (the query behind it) still shows the status and the note.
    [mine, *_] = db.call(queries.resident_statuses, resident_id=resident)
    assert (mine.status, mine.note) == ("in_progress", STARTED)
    history = db.call(queries.status_history, target=Target(theme_id=heir))
    assert [(c.status, c.note, c.changed_by) for c in history] == [
        ("planned", PLANNED, "cli:kari"),
        ("in_progress", STARTED, "cli:kari"),
    ]
    assert db.call(queries.is_public, theme_id=heir)
    assert not db.call(queries.is_public, theme_id=bus)  # holds no problems any more
    assert [r.theme_id for r in db.call(queries.public_results)] == [heir]
    # No second notice: the sent one stays sent, the unsent one follows her report.
    first, second = notices(engine)
    assert len(notices(engine)) == 2 and first.sent_at is not None and second.sent_at is None
    with session_scope(engine) as session:
        message = queries.claim_status_notice(
            session=session, notice_id=second.id or 0, claim="d",
            now=NOW + timedelta(hours=4), until=NOW + timedelta(hours=5),
        )  # fmt: skip
    assert message is not None and message.sendable
    assert (message.status, message.note, message.reports) == ("in_progress", STARTED, (1,))
    # The digest's "You said, we did" counts each change once, not the rebuild's copies.
    lines = db.call(queries.changes_between, since=NOW, until=NOW + timedelta(days=1))
    assert [line.status for line in lines] == ["planned", "in_progress"]
