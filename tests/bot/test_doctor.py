"""`innspill doctor`: one line per check, FAIL for each kind of bad setting, never a secret."""

import asyncio
import socket
from pathlib import Path

import pytest

from tests.cli import SECRET, innspill_in
from tests.fakebotapi import FakeBotAPI
from tests.fakelibretranslate import running_fake_translator

pytestmark = pytest.mark.e2e
METRICS = "metrics-token-0123456789"


async def doctor(api: FakeBotAPI, cwd: Path, **settings: str | None):
    """Run `innspill doctor` with good settings, changed by ``settings`` (None: unset)."""
    env = {
        "BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.base_url,
        "DATABASE_URL": f"sqlite:///{cwd / 'innspill.db'}",
        "SECRET_KEY": SECRET,
        "WEB_PORT": "0",
        "METRICS_TOKEN": METRICS,
        **settings,
    }
    given = {name: value for name, value in env.items() if value is not None}
    # In a thread: the fake Bot API answers from this test's event loop meanwhile.
    done = await asyncio.to_thread(innspill_in, cwd, "doctor", env=given)
    for secret in (api.token, SECRET, METRICS):
        assert secret not in done.stdout + done.stderr
    return done


def line(output: str, check: str) -> str:
    """Return the one line of ``check``."""
    [found] = [row for row in output.splitlines() if row[5:].startswith(f"{check}:")]
    return found


async def test_a_good_setup_passes(api: FakeBotAPI, tmp_path: Path) -> None:
    assert innspill_in(tmp_path, "db", "upgrade", env={"SECRET_KEY": SECRET}).returncode == 0
    done = await doctor(api, tmp_path)
    assert done.returncode == 0, done.stdout
    assert line(done.stdout, "BOT_TOKEN").startswith("OK   BOT_TOKEN: valid: the bot is @")
    assert line(done.stdout, "database").startswith("OK")
    assert line(done.stdout, "polling").startswith("OK")
    assert line(done.stdout, "clock").startswith("OK")
    assert not [row for row in done.stdout.splitlines() if not row.startswith("OK")]


async def test_each_wrong_setting_is_named(api: FakeBotAPI, tmp_path: Path) -> None:
    done = await doctor(api, tmp_path, TIMEZONE="Mars/Olympus", WEB_PORT="70000", ADMIN_IDS="anna")
    assert done.returncode == 1
    failed = [row for row in done.stdout.splitlines() if row.startswith("FAIL settings:")]
    assert [row.split()[2] for row in failed] == ["TIMEZONE:", "ADMIN_IDS:", "WEB_PORT:"]


async def test_a_missing_interview_file_fails(api: FakeBotAPI, tmp_path: Path) -> None:
    done = await doctor(api, tmp_path, INTERVIEW_FILE=str(tmp_path / "gone.toml"))
    assert done.returncode == 1
    assert "gone.toml" in line(done.stdout, "INTERVIEW_FILE")
    assert line(done.stdout, "INTERVIEW_FILE").startswith("FAIL")


async def test_a_language_the_file_does_not_offer_fails(api: FakeBotAPI, tmp_path: Path) -> None:
    done = await doctor(api, tmp_path, DEFAULT_LANGUAGE="sv")
    assert done.returncode == 1 and line(done.stdout, "DEFAULT_LANGUAGE").startswith("FAIL")


async def test_an_unreachable_database_fails_without_its_password(
    api: FakeBotAPI, tmp_path: Path, unused_tcp_port: int
) -> None:
    url = f"postgresql+psycopg://innspill:hemmelig@127.0.0.1:{unused_tcp_port}/innspill"
    done = await doctor(api, tmp_path, DATABASE_URL=url)
    assert done.returncode == 1
    found = line(done.stdout, "database")
    assert found.startswith("FAIL") and "check DATABASE_URL" in found
    assert "hemmelig" not in done.stdout


async def test_an_unmigrated_database_warns(api: FakeBotAPI, tmp_path: Path) -> None:
    done = await doctor(api, tmp_path)
    assert done.returncode == 0
    assert "innspill db upgrade" in line(done.stdout, "database")


async def test_a_refused_token_fails(api: FakeBotAPI, tmp_path: Path) -> None:
    done = await doctor(api, tmp_path, BOT_TOKEN="999:not-the-token")
    assert done.returncode == 1
    assert line(done.stdout, "BOT_TOKEN").startswith("FAIL BOT_TOKEN: Telegram refuses it")
    assert "999:not-the-token" not in done.stdout


async def test_an_unreachable_telegram_fails(
    api: FakeBotAPI, tmp_path: Path, unused_tcp_port: int
) -> None:
    done = await doctor(api, tmp_path, TELEGRAM_API_URL=f"http://127.0.0.1:{unused_tcp_port}")
    assert done.returncode == 1
    assert "cannot reach" in line(done.stdout, "Telegram")


async def test_a_missing_token_fails(api: FakeBotAPI, tmp_path: Path) -> None:
    done = await doctor(api, tmp_path, BOT_TOKEN=None)
    assert done.returncode == 1 and line(done.stdout, "BOT_TOKEN").startswith("FAIL")


async def test_a_webhook_other_than_configured_warns(api: FakeBotAPI, tmp_path: Path) -> None:
    bot = api.make_bot()
    await bot.set_webhook("https://old.example.org/hook")
    await bot.session.close()
    done = await doctor(
        api, tmp_path, WEBHOOK_URL="https://innspill.example.org/tg", WEBHOOK_SECRET="s" * 20
    )
    assert "old.example.org" in line(done.stdout, "WEBHOOK_URL")
    assert line(done.stdout, "WEBHOOK_URL").startswith("WARN")
    polling = await doctor(api, tmp_path)
    assert line(polling.stdout, "polling").startswith("WARN")


async def test_a_plain_http_webhook_fails(api: FakeBotAPI, tmp_path: Path) -> None:
    done = await doctor(
        api, tmp_path, WEBHOOK_URL="http://innspill.example.org/tg", WEBHOOK_SECRET="s" * 20
    )
    assert done.returncode == 1
    assert "FAIL WEBHOOK_URL: Telegram posts only to https:// URLs" in done.stdout


async def test_web_addresses_are_checked(api: FakeBotAPI, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        busy = await doctor(api, tmp_path, WEB_PORT=port)
    assert line(busy.stdout, "WEB_HOST/WEB_PORT").startswith("WARN")
    foreign = await doctor(api, tmp_path, WEB_HOST="192.0.2.7")  # not an address of this machine
    assert foreign.returncode == 1
    assert line(foreign.stdout, "WEB_HOST/WEB_PORT").startswith("FAIL")


async def test_an_open_metrics_endpoint_warns(api: FakeBotAPI, tmp_path: Path) -> None:
    done = await doctor(api, tmp_path, WEB_HOST="0.0.0.0", METRICS_TOKEN=None)
    assert line(done.stdout, "METRICS_TOKEN").startswith("WARN")


async def test_the_translation_server_is_checked(api: FakeBotAPI, tmp_path: Path) -> None:
    key = "translate-key-0123456789"
    async with running_fake_translator(api_key=key) as translator:
        good = await doctor(api, tmp_path, TRANSLATE_URL=translator.url, TRANSLATE_API_KEY=key)
        wrong = await doctor(
            api, tmp_path, TRANSLATE_URL=translator.url, TRANSLATE_API_KEY="not-the-key-123"
        )
    assert line(good.stdout, "TRANSLATE_URL").startswith("OK")
    assert wrong.returncode == 1
    assert line(wrong.stdout, "TRANSLATE_API_KEY").startswith("FAIL")
    assert key not in good.stdout + wrong.stdout
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        gone = f"http://127.0.0.1:{closed.getsockname()[1]}"
    down = await doctor(api, tmp_path, TRANSLATE_URL=gone, TRANSLATE_TIMEOUT="1")
    assert down.returncode == 1
    assert line(down.stdout, "TRANSLATE_URL").startswith("FAIL")
