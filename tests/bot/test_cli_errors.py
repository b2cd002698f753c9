"""Operator mistakes: one line on stderr naming the setting, argument or path; no traceback."""

import asyncio
import os
import sys
from asyncio.subprocess import PIPE
from pathlib import Path

import pytest

from tests.bot.harness import interview_file
from tests.bot.test_e2e_faults import PROCESS_TIMEOUT, START_WITHIN
from tests.cli import SECRET, innspill_in, run_cli
from tests.fakebotapi import FakeBotAPI

PG = "postgresql+psycopg://postgres:hunter2pw@127.0.0.1"
BAD_DATABASES = [
    "nonsense",
    "mysql://innspill:hunter2pw@db/innspill",
    f"{PG}:1/innspill",  # nothing listens on port 1
    "postgresql+psycopg://postgres:hunter2pw@no-such-host.invalid/innspill",
]


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize("url", BAD_DATABASES)
def test_a_database_url_that_cannot_work_is_one_line_naming_it(tmp_path: Path, url: str) -> None:
    done = run_cli(url, tmp_path, "db", "upgrade")
    line = one_line(done.stderr)
    assert done.returncode == 2
    assert line.startswith("innspill: DATABASE_URL: ") and "hunter2pw" not in line


def test_a_missing_postgresql_database_is_named(tmp_path: Path, postgres_url: str) -> None:
    missing = postgres_url.rsplit("/", 1)[0] + "/innspill_no_such_database"
    done = run_cli(missing, tmp_path, "db", "upgrade")
    assert done.returncode == 2
    assert 'database "innspill_no_such_database" does not exist' in one_line(done.stderr)


def test_sqlite_paths_that_cannot_be_a_database_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    for path, reason in [
        (tmp_path / "a-file" / "innspill.db", "which is a file"),
        (tmp_path, "is a directory"),
        (tmp_path / "tpyo" / "innspill.db", "does not exist"),
    ]:
        done = run_cli(f"sqlite:///{path}", tmp_path, "db", "upgrade")
        assert done.returncode == 2
        assert reason in one_line(done.stderr) and "DATABASE_URL" in done.stderr
    assert not (tmp_path / "tpyo").exists()  # a typo creates no directory


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("ADMIN_IDS", "0", False),
        ("ADMIN_IDS", "123, 99999999999999999999", False),
        ("WEBHOOK_SECRET", "sécret with spaces", True),
        ("BOT_TOKEN", "not a token/../", True),
    ],
)
def test_a_wrong_setting_is_one_line_naming_it_and_never_echoes_a_secret(
    tmp_path: Path, name: str, value: str, secret: bool
) -> None:
    url = f"sqlite:///{tmp_path / 'innspill.db'}"
    done = run_cli(url, tmp_path, "db", "upgrade", **{name: value})
    line = one_line(done.stderr)
    assert done.returncode == 2
    assert line.startswith(f"innspill: {name}: ")
    assert not secret or value not in line
    assert not (tmp_path / "innspill.db").exists()  # settings are checked before connecting


def test_a_traceback_is_printed_only_when_debugging(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "nonsense", "SECRET_KEY": SECRET, "LOG_LEVEL": "DEBUG"}
    done = innspill_in(tmp_path, "db", "upgrade", env=env)
    assert done.returncode == 2 and "Traceback" in done.stderr


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("themes", "rename", "9" * 23, "x"), "THEME " + "9" * 23),
        (("themes", "merge", "1", "9" * 23), "ABSORB " + "9" * 23),
        (("export", "--out", "/proc/forbidden.csv"), "/proc/forbidden.csv"),
    ],
)
def test_cli_errors_are_one_line_naming_the_argument_or_path(
    tmp_path: Path, args: tuple[str, ...], named: str
) -> None:
    done = run_cli(f"sqlite:///{tmp_path / 'innspill.db'}", tmp_path, *args)
    assert done.returncode == 1
    said = one_line(done.stderr + done.stdout)
    assert named in said and said.startswith("innspill: ")


def test_a_different_secret_key_refuses_to_start_with_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'innspill.db'}"
    env = {"DATABASE_URL": url, "SECRET_KEY": SECRET}
    first = innspill_in(tmp_path, "chat", env=env, stdin="/quit\n")
    assert first.returncode == 0, first.stderr
    other = {"DATABASE_URL": url, "SECRET_KEY": "another-key-0123456789"}
    done = innspill_in(tmp_path, "chat", env=other, stdin="/quit\n")
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert line.startswith("innspill: SECRET_KEY: not the key") and "another-key" not in line
    again = innspill_in(tmp_path, "chat", env=env, stdin="/quit\n")
    assert again.returncode == 0, again.stderr


@pytest.mark.e2e
@pytest.mark.timeout(PROCESS_TIMEOUT)
async def test_a_revoked_token_stops_with_one_line_naming_bot_token(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "BOT_TOKEN": "123456:revoked-token",  # the fake answers 401 to any other token
        "TELEGRAM_API_URL": api.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'innspill.db'}",
        "SECRET_KEY": SECRET,
        "LOG_LEVEL": "WARNING",  # the start-up's INFO lines are not errors
        "INTERVIEW_FILE": str(interview_file(tmp_path)),  # one language's dictionaries to load
    }
    # Its own process: `run` installs signal handlers, which only a main thread may do.
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", env=env, cwd=tmp_path, stderr=PIPE
    )
    _, stderr = await asyncio.wait_for(bot.communicate(), timeout=START_WITHIN)
    assert bot.returncode == 2
    line = one_line(stderr.decode())
    assert line.startswith("innspill: BOT_TOKEN: ") and "revoked-token" not in line
