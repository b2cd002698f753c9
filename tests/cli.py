"""Run the real `innspill` command in this process, as `main(argv)`, the way a user runs it.

Starting Python and importing aiogram costs seconds per call; the command itself takes
milliseconds. These helpers give a command exactly what a subprocess would get (its environment,
working directory, standard input and output) and restore everything afterwards. One subprocess
smoke test per command family (tests/bot/test_cli_smoke.py) proves the real entry point.
"""

import contextlib
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from bot.cli.main import main

SECRET = "k" * 24
# Settings a developer may have in their environment that must not leak into a command under test.
LOCAL_SETTINGS = ("BOT_TOKEN", "TELEGRAM_API_URL", "ADMIN_IDS", "DIGEST_TIME", "TIMEZONE")


@contextlib.contextmanager
def _environment(values: Mapping[str, str], drop: tuple[str, ...]) -> Iterator[None]:
    saved = dict(os.environ)
    try:
        for name in drop:
            os.environ.pop(name, None)
        os.environ.update(values)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _logging_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def innspill_in(
    cwd: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: str = "",
    drop: tuple[str, ...] = LOCAL_SETTINGS,
) -> subprocess.CompletedProcess[str]:
    """Run `innspill ARGS` in ``cwd`` with ``env`` added to the environment; capture its output."""
    out, err = io.StringIO(), io.StringIO()
    with (
        _environment(env or {}, drop),
        contextlib.chdir(cwd),
        _logging_restored(),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        _stdin(stdin),
    ):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse refuses bad arguments this way
            code = exit_.code if isinstance(exit_.code, int) else 1
    return subprocess.CompletedProcess(["innspill", *args], code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _stdin(text: str) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = saved


def run_cli(
    database_url: str, cwd: Path, *args: str, **more: str
) -> subprocess.CompletedProcess[str]:
    """Run `innspill ARGS` on ``database_url`` with a fixed pseudonym key and ``more`` settings."""
    env = {"DATABASE_URL": database_url, "SECRET_KEY": SECRET, **more}
    return innspill_in(cwd, *args, env=env)
