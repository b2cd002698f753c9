"""The theme assigner: real saves, real database; restarts, merges, renames, rebuilds, export."""

import csv
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.engine import Engine

from bot.artefacts.reports import write_csv
from bot.artefacts.workbook import Words, write_workbook
from bot.jobs.themes import ThemeAssigner, assign_pending
from bot.services.themes import (
    MergeRefused,
    current_model,
    merge_themes,
    rebuild_themes,
    rename_theme,
    summaries,
)
from flows.priority import Weights
from flows.problem import Problem
from flows.themes import ThemeModel
from storage import queries
from storage.engine import make_engine, session_scope, upgrade_database
from tests.packaged import staff_texts

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BUS_NB = "Bussen går altfor sjelden om kvelden, jeg kommer meg ikke hjem fra jobb"
BUS_NN = "Bussane går altfor sjeldan om kvelden, eg kjem meg ikkje heim frå jobb"
SNOW = "Fortauet ved skolen blir aldri brøytet, det er glatt og farlig om morgenen"
LIGHT = "Gatelyset i Storgata har vært slukket i tre uker, det er bekmørkt"


def clock() -> datetime:
    return NOW


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = make_engine(database_url)
    upgrade_database(made)
    yield made
    made.dispose()


def save(engine: Engine, text: str, language: str = "nb", who: str = "r1", **more: object) -> int:
    """Store a confirmed problem as the interview does: without a theme."""
    with session_scope(engine) as session:
        resident = queries.get_or_create_resident(session=session, pseudonym=who, now=NOW)
        assert resident.id is not None
        draft = Problem(text=text, language=language, **more)  # type: ignore[arg-type]
        return queries.add_problem(
            session=session, resident_id=resident.id, problem=draft, source="telegram", now=NOW
        )


def themes_of(engine: Engine) -> dict[int, int | None]:
    with session_scope(engine) as session:
        return {r.id: r.theme for r in queries.problem_records(session=session)}


def model_of(engine: Engine) -> ThemeModel:
    """Return the model a restarted process would hold: snapshot plus replayed assignments."""
    with session_scope(engine) as session:
        return current_model(session, queries.lock_theme_state(session=session))


def test_nb_and_nn_near_duplicates_share_a_theme_and_unrelated_ones_do_not(
    engine: Engine,
) -> None:
    ids = [save(engine, t, lang) for t, lang in ((BUS_NB, "nb"), (BUS_NN, "nn"), (SNOW, "nb"))]
    ids.append(save(engine, LIGHT))
    assert themes_of(engine) == dict.fromkeys(ids)  # saved without a theme
    assert assign_pending(engine, clock=clock) == 4
    found = themes_of(engine)
    assert found[ids[0]] == found[ids[1]]
    assert len({found[ids[0]], found[ids[2]], found[ids[3]]}) == 3
    assert assign_pending(engine, clock=clock) == 0  # nothing is assigned twice


def test_a_restart_continues_from_the_snapshot_without_repeating_or_skipping(
    engine: Engine,
) -> None:
    texts = [BUS_NB, SNOW, BUS_NN, LIGHT, SNOW + " i Biri", BUS_NB + " i helgene"] * 2
    ids = [save(engine, text, who=f"r{n}") for n, text in enumerate(texts)]
    first = ThemeAssigner(engine, clock=clock, batch=2, snapshot_every=3)
    assert first.assign_pending(limit=5) == 5
    with session_scope(engine) as session:
        state = queries.lock_theme_state(session=session)
        assert (state.seq, state.snapshot_seq, state.last_problem_id) == (5, 4, ids[4])
    later = ThemeAssigner(engine, clock=clock, batch=2, snapshot_every=3)  # memory is empty
    assert later.assign_pending() == 7
    restarted, model = themes_of(engine), model_of(engine)
    assert None not in restarted.values()
    assert model.documents == 12  # every problem counted exactly once

    with session_scope(engine) as session:  # the same problems in one uninterrupted run
        queries.clear_problem_themes(session=session, ids=ids)
        queries.write_theme_state(session=session, now=NOW, seq=0, snapshot={})
    assert ThemeAssigner(engine, clock=clock, batch=50).assign_pending() == 12
    assert themes_of(engine) == restarted
    assert model_of(engine) == model


def test_an_assigner_notices_when_another_process_changed_the_model(engine: Engine) -> None:
    one, other = ThemeAssigner(engine, clock=clock), ThemeAssigner(engine, clock=clock)
    save(engine, BUS_NB)
    one.assign_pending()
    save(engine, SNOW)
    other.assign_pending()
    save(engine, BUS_NN, "nn")
    one.assign_pending()  # must build on other's work, not on its own stale copy
    assert model_of(engine).documents == 3
    assert themes_of(engine)[3] == themes_of(engine)[1]


def test_merge_and_rename_keep_every_problem_and_the_export_shows_them(
    engine: Engine, tmp_path: Path
) -> None:
    for n, text in enumerate([BUS_NB, BUS_NN, SNOW, SNOW + " ved Hunndalen", LIGHT]):
        save(engine, text, who=f"r{n}")
    assign_pending(engine, clock=clock)
    with session_scope(engine) as session:
        other = queries.get_or_create_resident(session=session, pseudonym="r9", now=NOW)
        assert other.id is not None
        assert queries.endorse(session=session, resident_id=other.id, problem_id=3, now=NOW)
    with session_scope(engine) as session:
        before = queries.problem_records(session=session)
    bus, snow = before[0].theme, before[2].theme
    assert bus is not None and snow is not None and bus != snow
    assert rename_theme(engine, bus, "Kveldsbuss")
    assert merge_themes(engine, keep=bus, absorb=snow, now=NOW) == 2
    with pytest.raises(MergeRefused):
        merge_themes(engine, keep=snow, absorb=bus, now=NOW)  # snow lives on only in bus
    with session_scope(engine) as session:
        after = queries.problem_records(session=session)
    assert [(r.id, r.text, r.endorsements) for r in after] == [
        (r.id, r.text, r.endorsements) for r in before
    ]
    assert [(r.theme, r.theme_label) for r in after[:4]] == [(bus, "Kveldsbuss")] * 4
    write_csv(after, tmp_path / "export.csv")
    with (tmp_path / "export.csv").open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file, delimiter=";"))
    assert [row["theme_label"] for row in rows[:4]] == ["Kveldsbuss"] * 4
    assert rows[4]["theme_label"] not in ("", "Kveldsbuss")
    assert [row["endorsements"] for row in rows] == ["0", "0", "1", "0", "0"]
    save(engine, SNOW + " igjen")  # the model merged too: new snow problems join the bus theme
    assign_pending(engine, clock=clock)
    assert themes_of(engine)[6] == bus


def test_a_rebuild_regroups_every_problem_under_new_ids(engine: Engine) -> None:
    for n, text in enumerate([BUS_NB, SNOW, BUS_NN, LIGHT, SNOW + " i Biri"]):
        save(engine, text, who=f"r{n}")
    assign_pending(engine, clock=clock)
    old = themes_of(engine)
    rename_theme(engine, old[1] or 0, "Staff's own label")
    done = rebuild_themes(engine, now=NOW)
    new = themes_of(engine)
    assert done.problems == 5 and len(new) == 5
    assert min(t or 0 for t in new.values()) > max(t or 0 for t in old.values())
    assert new[1] == new[3] and new[2] == new[5] and len(set(new.values())) == 3
    assert "Staff's own label" not in {s.label for s in summaries(engine)}
    save(engine, BUS_NB + " på lørdag")
    assign_pending(engine, clock=clock)
    assert themes_of(engine)[6] == new[1]


def test_a_rebuild_since_a_day_leaves_older_problems_where_they_are(engine: Engine) -> None:
    save(engine, BUS_NB)
    assign_pending(engine, clock=clock)
    old = themes_of(engine)[1]
    save(engine, SNOW)
    done = rebuild_themes(engine, now=NOW, since=NOW + timedelta(days=1))
    assert done.problems == 0
    assert themes_of(engine)[1] == old
    assert assign_pending(engine, clock=clock) == 1  # the unthemed one is still assigned


def test_the_list_quotes_residents_with_personal_data_masked(engine: Engine) -> None:
    for n in range(3):
        save(engine, f"{BUS_NB}, ring meg på 912 34 56{n}", who=f"r{n}")
    assign_pending(engine, clock=clock)
    [theme] = summaries(engine)
    assert theme.count == 3 and 1 <= len(theme.quotes) <= 3
    assert theme.label and all("912" not in quote for quote in theme.quotes)


def test_the_spreadsheet_ranks_themes_with_the_inputs_of_each_score(
    engine: Engine, tmp_path: Path
) -> None:
    for n in range(4):
        save(engine, BUS_NB, who=f"r{n}", severity=2, frequency="weekly", groups=("youth",))
    save(engine, SNOW, who="r9", severity=5, frequency="daily", groups=("senior",), area="biri")
    assign_pending(engine, clock=clock)
    with session_scope(engine) as session:
        records = queries.problem_records(session=session)
    rename_theme(engine, records[0].theme or 0, "=Buss")  # never read as a formula
    with session_scope(engine) as session:
        records = queries.problem_records(session=session)
    by_severity = Weights(reach=0, severity=1, frequency=0, breadth=0)
    words = Words(staff_texts(), "en", lambda key: key)
    write_workbook(records, tmp_path / "export.xlsx", words, zone=UTC, weights=by_severity)
    sheet = openpyxl.load_workbook(tmp_path / "export.xlsx")["Themes"]  # issue 15: named
    rows = list(sheet.values)
    assert rows[0][:3] == ("Theme no.", "Theme", "Priority (0–100)")
    snow, bus = records[4], records[0]
    assert rows[1] == (
        *(snow.theme, snow.theme_label, 100, "high", "rated hard"),  # only severity weighs
        *(1, 1, 0, 0, 1, 5, 365, 1, 1),
    )
    assert rows[2] == (bus.theme, "=Buss", 25, "low", "rated mild", 4, 4, 0, 0, 4, 2, 52, 1, 0)


async def test_the_scheduler_job_assigns_in_a_worker_thread(engine: Engine) -> None:
    save(engine, BUS_NB)
    job = ThemeAssigner(engine, clock=clock).run
    assert await job() == 1
    assert await job() == 0


def test_two_processes_assigning_at_once_count_every_problem_once(engine: Engine) -> None:
    texts = [BUS_NB, SNOW, BUS_NN, LIGHT]
    for n in range(40):
        save(engine, f"{texts[n % 4]} ({n})", who=f"r{n}")
    assigners = [ThemeAssigner(engine, clock=clock, batch=3, snapshot_every=7) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda assigner: assigner.assign_pending(), assigners))
    assert sum(done) == 40
    assert None not in themes_of(engine).values()
    assert model_of(engine).documents == 40
