"""Theme use cases: merge, rename, rebuild and list, on real saves in a real database."""

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.artefacts.reports import write_csv
from bot.jobs.themes import assign_pending
from bot.services.themes import MergeRefused, merge_themes, rebuild_themes, rename_theme, summaries
from storage import queries
from storage.engine import session_scope
from tests.themes_data import BUS_NB, BUS_NN, LIGHT, NOW, SNOW, clock, save, themes_of


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
