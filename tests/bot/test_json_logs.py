"""LOG_FORMAT=json: one JSON object per line, with the update id, without text or tokens."""

import json
import logging

import pytest

from bot.logs import OUTBOX_ITEM, JsonLines, configure_logging
from tests.bot.harness import SECRET, running_bot, settings_for
from tests.bot.test_e2e_bad_input import consented
from tests.bot.test_e2e_interview import BUS
from tests.cli import _logging_restored
from tests.fakebotapi import FakeBotAPI


@pytest.mark.e2e
async def test_json_lines_carry_update_ids_and_no_resident_text(
    api: FakeBotAPI, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(api, sqlite_url, log_format="json")
    with _logging_restored():
        configure_logging("INFO", settings.secrets(), json_lines=True)
        async with running_bot(settings) as core:
            anna = await consented(api, core)
            await anna.says(BUS)
    written = capsys.readouterr().err
    lines = [json.loads(row) for row in written.splitlines()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    handled = [line for line in lines if line["message"].endswith(f"by bot id={api.bot_id}")]
    assert len(handled) == 3  # /start, the consent, the problem
    assert all(f"Update id={line['update_id']} " in line["message"] for line in handled)
    assert BUS not in written and api.token not in written and SECRET not in written


def test_an_outbox_item_and_an_error_are_named_without_a_traceback() -> None:
    token = OUTBOX_ITEM.set("digest:7")
    try:
        raise ValueError("Bussen til Hunndalen")
    except ValueError as error:
        record = logging.LogRecord("bot.jobs", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = (type(error), error, error.__traceback__)
    finally:
        OUTBOX_ITEM.reset(token)
    OUTBOX_ITEM.set("digest:7")
    line = json.loads(JsonLines().format(record))
    assert (line["outbox_item"], line["error"], line["level"]) == (
        "digest:7",
        "ValueError",
        "ERROR",
    )
    assert "Hunndalen" not in json.dumps(line)
