"""One real `python -m bot.cli` process per command family: the entry point a user runs.

Everything else about the commands is tested in-process (tests/cli.py), where a call costs
milliseconds instead of a Python start-up.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import LOCAL_SETTINGS, SECRET

NOTE = "text;area\nBenkene langs gangveien til Biri er borte;biri\n"


def innspill(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in LOCAL_SETTINGS}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'smoke.db'}", "SECRET_KEY": SECRET}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_every_command_family(tmp_path: Path) -> None:
    done = innspill(tmp_path, "--help")
    assert done.returncode == 0
    for family in ("run", "chat", "export", "db", "staff", "themes", "workshop", "import"):
        assert family in done.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("db", "upgrade"), "database is up to date"),
        (("staff", "add", "7001"), "7001 is now staff"),
        (("export", "--format", "csv", "--out", "out.csv"), "0 problems written to out.csv"),
        (("themes", "list"), ""),
        (("workshop", "list"), ""),
        (("digest", "--print", "--language", "en"), "Digest of the last 7 days"),
    ],
    ids=["db", "staff", "export", "themes", "workshop", "digest"],
)
def test_each_command_family_runs_as_a_process(
    tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    done = innspill(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout
    assert "Traceback" not in done.stderr
    assert "alembic" not in done.stderr  # migrating a new database is not news at INFO


def test_import_runs_as_a_process(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text(NOTE, encoding="utf-8")
    done = innspill(tmp_path, "import", "notes.csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 ") and "imported" in done.stdout


def test_help_and_the_no_token_hint_load_no_heavy_library(tmp_path: Path) -> None:
    """`innspill --help` and `make run` without a token answer before aiogram or SQL load."""
    probe = (
        "import contextlib, io, sys\n"
        "from bot.cli.main import main\n"
        "quiet = io.StringIO()\n"
        "with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):\n"
        "    try:\n"
        "        main(sys.argv[1:])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = ('aiogram', 'sqlalchemy', 'sqlmodel', 'matplotlib', 'openpyxl', 'langdetect')\n"
        "print(' '.join(name for name in heavy if name in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in LOCAL_SETTINGS}
    for args in (["--help"], ["run"]):
        done = subprocess.run(
            [sys.executable, "-c", probe, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "", f"innspill {args[0]} imported {done.stdout}"
