"""Debounced: kicks during a run cause one more run, and none while this process does not lead."""

import asyncio

from bot.jobs.debounced import Debounced


async def test_kicks_during_a_run_cause_one_more_run_and_not_one_each() -> None:
    runs: list[int] = []
    busy = asyncio.Event()

    async def job() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            busy.set()
            await asyncio.sleep(0.05)

    debounced = Debounced()
    serving = asyncio.create_task(debounced.serve(job, when=lambda: True))
    debounced.kick()
    await busy.wait()
    for _ in range(3):
        debounced.kick()
    await asyncio.sleep(0.2)
    serving.cancel()
    assert runs == [0, 1]


async def test_a_kick_runs_nothing_while_the_condition_fails() -> None:
    runs: list[str] = []

    async def job() -> None:
        runs.append("run")

    debounced = Debounced()
    serving = asyncio.create_task(debounced.serve(job, when=lambda: False))
    debounced.kick()
    await asyncio.sleep(0.05)
    serving.cancel()
    assert runs == []


async def test_a_burst_of_kicks_within_the_delay_makes_one_run() -> None:
    runs: list[int] = []

    async def job() -> None:
        runs.append(len(runs))

    debounced = Debounced(delay=0.2)
    serving = asyncio.create_task(debounced.serve(job, when=lambda: True))
    for _ in range(5):  # five residents save a problem, 20 ms apart
        debounced.kick()
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.4)
    serving.cancel()
    assert runs == [0]
