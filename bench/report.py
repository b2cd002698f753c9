"""What every benchmark report starts with (machine, date, versions, command) and table output."""

import os
import platform
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LIBRARIES = ("aiogram", "aiohttp", "sqlalchemy", "sqlmodel", "alembic", "psycopg", "langdetect")
MIB = 1024 * 1024


def say(text: str = "") -> None:
    """Write one line of the report to stdout, at once (the runs are long)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / MIB:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_lines(command: str, extra: Sequence[str] = ()) -> list[str]:
    """Describe the machine, the date, the software and the exact command of this run."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    libraries = ", ".join(f"{name} {_version(name)}" for name in LIBRARIES)
    return [
        f"date:     {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"machine:  {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
        f"{_cpu_model()}, {_memory_total()} memory, load average {load} at start",
        f"system:   {platform.platform()}",
        f"python:   {platform.python_implementation()} {platform.python_version()}",
        f"sqlite:   {sqlite3.sqlite_version}",
        f"libs:     {libraries}",
        *extra,
        f"command:  {command}",
    ]


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Return a Markdown table, columns padded for reading in a terminal too."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return (
            "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"
        )

    return [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)]


def verdict(ok: bool) -> str:
    """Return how a target came out."""
    return "met" if ok else "MISSED"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO, capture_output=True, text=True, check=True, timeout=10
    ).stdout.strip()


def code_version() -> str:
    """Return the commit measured, and whether the work tree differs from it."""
    try:
        head, dirty = _git("rev-parse", "--short", "HEAD"), _git("status", "--porcelain")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return f"{head}{' with uncommitted changes' if dirty else ''}"
