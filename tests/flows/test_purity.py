"""The pure core: importing every flows module pulls in no framework and reads no file."""

import subprocess
import sys
from pathlib import Path

import flows

HEAVY = ("aiogram", "sqlalchemy", "sqlmodel", "apscheduler", "aiohttp")

# Runs in a fresh interpreter. langdetect (allowed in flows) reads its own messages when imported,
# so it comes first; after that, opening any file fails the import.
_PROBE = """
import builtins, importlib, io, pkgutil, sys
import flows
import langdetect.detector_factory

def refuse(*args, **kwargs):
    raise AssertionError(f"flows read a file at import: {args[:1]}")

builtins.open = io.open = refuse
names = sorted(m.name for m in pkgutil.iter_modules(flows.__path__, "flows."))
for name in names:
    importlib.import_module(name)
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:]))
print(len(names), " ".join(heavy))
"""


def test_importing_flows_pulls_in_no_framework_and_reads_no_file() -> None:
    root = Path(flows.__file__).parent.parent
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *HEAVY],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    count, _, heavy = done.stdout.strip().partition(" ")
    assert int(count) == len(list(Path(flows.__file__).parent.glob("*.py"))) - 1
    assert heavy == ""
