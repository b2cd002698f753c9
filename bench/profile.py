"""Sample where a bot process spends its time with py-spy, and summarise it by package.

py-spy is not a dependency of Innspill: install it where you like (``pip install py-spy``) and
pass ``--profile`` (it is looked up on PATH, or give ``--py-spy /path/to/py-spy``).
"""

import shutil
import signal
import subprocess
from collections import Counter
from pathlib import Path
from types import TracebackType
from typing import Self

# The first match names a frame's package; order matters ("site-packages/aiogram" before "bot").
_PACKAGES = (
    ("aiogram", "aiogram"),
    ("aiohttp", "aiohttp"),
    ("pydantic", "pydantic"),
    ("sqlalchemy", "sqlalchemy"),
    ("sqlmodel", "sqlmodel"),
    ("psycopg", "psycopg"),
    ("langdetect", "langdetect"),
    ("asyncio", "asyncio"),
    ("logging", "logging"),
    ("json", "json"),
    ("copy.py", "copy (deepcopy)"),
    ("(flows/", "flows"),
    ("(storage/", "storage"),
    ("(bot/", "bot"),
)


# Frames whose inclusive share is worth a line: our code, and where libraries spend for us.
_NOTABLE = (
    "(bot/",
    "(flows/",
    "(storage/",
    "check_response (aiogram",
    "feed_update (aiogram",
    "build_form_data (aiogram",
    "commit (sqlalchemy/orm/session",
    "Session.execute (sqlalchemy/orm",
    "Session.get (sqlalchemy/orm",
    "detect (langdetect",
    "Logger._log (logging",
)


def find_py_spy(given: str | None = None) -> str | None:
    """Return the py-spy executable to use, or None if there is none."""
    return given if given and Path(given).exists() else shutil.which("py-spy")


class PySpy:
    """Record a running process with py-spy (``--gil``: only what holds the interpreter)."""

    def __init__(self, executable: str, pid: int, out: Path, rate: int = 250) -> None:
        self.out = out
        self.command = [
            executable,
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--gil",
            "--rate",
            str(rate),
            "--output",
            str(out),
        ]
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        self._process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
        try:
            self._process.wait(30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)


def _frames(stack: str) -> list[str]:
    return [frame for frame in stack.split(";") if frame]


def _package(frame: str) -> str:
    return next((name for needle, name in _PACKAGES if needle in frame), "other")


def summarise(raw: Path, top: int = 15) -> list[str]:
    """Return the share of samples by package, the hottest functions, and ours inclusive."""
    by_package: Counter[str] = Counter()
    hottest: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count, frames = int(count_text), _frames(stack)
        total += count
        by_package[_package(frames[-1])] += count
        hottest[_function(frames[-1])] += count
        for function in {_function(frame) for frame in frames if _notable(frame)}:
            inclusive[function] += count
    if total == 0:
        return ["no samples recorded"]

    def shares(counter: Counter[str], limit: int | None = None) -> list[str]:
        return [f"  {n / total:6.1%}  {name}" for name, n in counter.most_common(limit)]

    return [
        f"{total} samples holding the GIL; self time by package:",
        *shares(by_package),
        "self time of the hottest functions:",
        *shares(hottest, top),
        "inclusive time of our functions and of notable library entry points:",
        *shares(inclusive, top * 2),
    ]


def _notable(frame: str) -> bool:
    return any(needle in frame for needle in _NOTABLE)


def _function(frame: str) -> str:
    """Drop the line number py-spy adds, so a function counts once per sample."""
    name, _, place = frame.partition(" (")
    path = place.rsplit(":", 1)[0]
    return f"{name} ({path})"
