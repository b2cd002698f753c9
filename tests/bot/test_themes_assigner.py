"""The theme assigner: real saves, real database; restarts, other processes, the export."""

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from pathlib import Path

import openpyxl
from sqlalchemy.engine import Engine

from bot.artefacts.workbook import Words, write_workbook
from bot.jobs.debounced import Debounced
from bot.jobs.themes import ThemeAssigner, assign_pending
from bot.services.themes import rename_theme
from bot.telegram.themes import theme_reply
from flows.priority import Weights
from storage import queries
from storage.engine import session_scope
from tests.packaged import staff_texts
from tests.themes_data import BUS_NB, BUS_NN, LIGHT, NOW, SNOW, clock, model_of, save, themes_of


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
        *(1, 1, 0, 0, 1, 5, 365, 1, 1, "Received"),
    )
    assert rows[2] == (
        *(bus.theme, "=Buss", 25, "low", "rated mild"),
        *(4, 4, 0, 0, 4, 2, 52, 1, 0, "Received"),
    )


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


async def test_a_look_assigns_its_share_and_hands_a_longer_backlog_to_the_background(
    engine: Engine,
) -> None:
    texts = [BUS_NB, SNOW, BUS_NN, LIGHT]
    for n in range(45):
        save(engine, f"{texts[n % 4]} ({n})", who=f"r{n}")
    saved = Debounced()
    assigner = ThemeAssigner(engine, clock=clock, batch=10, look_batches=2, hand_on=saved.kick)
    # The look's share only: the digests and follow-ups of the same look are not kept waiting.
    assert await assigner.look() == 20
    assert list(themes_of(engine).values()).count(None) == 25
    serving = asyncio.create_task(saved.serve(assigner.run, when=lambda: True))
    try:
        for _ in range(200):  # the background run takes the rest (well under a second)
            if None not in themes_of(engine).values():
                break
            await asyncio.sleep(0.05)
    finally:
        serving.cancel()
    assert None not in themes_of(engine).values()
    assert model_of(engine).documents == 45


async def test_a_look_that_assigns_everything_hands_nothing_on(engine: Engine) -> None:
    for n in range(15):
        save(engine, f"{BUS_NB} ({n})", who=f"r{n}")
    handed: list[None] = []
    assigner = ThemeAssigner(
        engine, clock=clock, batch=10, look_batches=2, hand_on=lambda: handed.append(None)
    )
    assert await assigner.look() == 15
    assert handed == [] and None not in themes_of(engine).values()


def test_theme_lists_after_a_bounded_share_and_says_how_many_still_wait(engine: Engine) -> None:
    texts = [BUS_NB, SNOW]
    for n in range(12):
        save(engine, f"{texts[n % 2]} ({n})", who=f"r{n}")
    assigner = ThemeAssigner(engine, clock=clock, batch=5)
    share = functools.partial(assigner.assign_pending, limit=5)  # as /theme gets it
    listing = theme_reply(engine, "", "en", texts=staff_texts(), clock=clock, assign=share)
    assert listing.startswith("<b>Themes</b>")
    assert "7 problems are still waiting for a theme" in listing  # 12 saved, 5 given one
    assert list(themes_of(engine).values()).count(None) == 7
    assigner.assign_pending()
    listing = theme_reply(engine, "", "nn", texts=staff_texts(), clock=clock, assign=share)
    assert "ventar enno på tema" not in listing and listing.startswith("<b>Tema</b>")
