"""Logs: no message text at INFO or above, and no token or key anywhere."""

import logging

import pytest

from bot.logs import RedactSecrets
from tests.bot.harness import SECRET, running_bot, settings_for
from tests.bot.test_e2e_bad_input import consented
from tests.bot.test_e2e_interview import BUS
from tests.fakebotapi import FakeBotAPI


@pytest.mark.e2e
async def test_an_interview_leaves_no_text_or_secret_in_the_logs(
    api: FakeBotAPI, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running_bot(settings_for(api, sqlite_url)) as core:
        anna = await consented(api, core)
        await anna.says(BUS)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "is handled" in logged  # the bot did log at INFO
    assert BUS not in logged and "Hunndalen" not in logged
    assert api.token not in logged and SECRET not in logged


def test_a_secret_in_a_log_record_is_redacted() -> None:
    record = logging.LogRecord(
        "x",
        logging.ERROR,
        __file__,
        1,
        "calling %s/bot%s/getMe",
        ("http://api", "42:SECRET"),
        None,
    )
    assert RedactSecrets(["42:SECRET"]).filter(record)
    assert record.getMessage() == "calling http://api/bot***/getMe"
