"""Run a few lines of Python in a new interpreter of this checkout and read its JSON report.

For what only a fresh process shows: memory a module takes when it is first loaded, or results
that must not depend on a process's hash seed.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def fresh_report(
    script: str, *, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 300
) -> dict[str, Any]:
    """Run ``script`` with ``python -c`` in the repository; return the JSON it printed."""
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        check=True,
        timeout=timeout,
    )
    report: dict[str, Any] = json.loads(done.stdout)
    return report
