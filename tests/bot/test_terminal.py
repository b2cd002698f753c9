"""The terminal chat, run as the real command: the same interview, buttons as numbers."""

import os
import subprocess
import sys
from pathlib import Path

from storage import queries
from storage.engine import make_engine, session_scope
from tests.cli import innspill_in

PROBLEM = "Bussen fra Biri kommer aldri i tide om morgenen, så jeg kommer for sent på jobb."


def chat(tmp_path: Path, lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {"LANG": "nb_NO.UTF-8", "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}"}
    done = innspill_in(
        tmp_path,
        *args,
        env=env,
        stdin="\n".join(lines) + "\n",
        drop=("BOT_TOKEN", "DATABASE_URL", "SECRET_KEY", "WEBHOOK_URL"),
    )
    assert done.returncode == 0, done.stderr
    return done


def test_a_whole_report_in_the_terminal_is_stored(tmp_path: Path) -> None:
    answers = ["1", PROBLEM, "1", "4", "3", "12", "3", "1", "2"]  # 12: Done
    done = chat(tmp_path, answers, "chat")
    out = done.stdout
    assert "1) Ja, det er greit" in out  # buttons are numbered choices
    assert "Hvor ofte skjer dette med deg?" in out
    assert PROBLEM in out  # the read-back card
    engine = make_engine(f"sqlite:///{tmp_path / 'chat.db'}")
    with session_scope(engine) as session:
        [problem] = queries.problem_records(session=session)
    engine.dispose()
    assert (problem.text, problem.source, problem.severity) == (PROBLEM, "terminal", 4)
    assert (problem.frequency, problem.groups, problem.area) == ("daily", ("senior",), "biri")
    assert (tmp_path / "chat.db.secret").exists()  # a key was made beside the database


def test_run_without_a_token_explains_and_offers_the_terminal_chat(tmp_path: Path) -> None:
    done = chat(tmp_path, ["/quit"], "run", "--chat-without-token")
    assert "BOT_TOKEN is not set" in done.stderr and "innspill chat" in done.stderr
    assert "Innspill — terminal chat" in done.stdout


def test_run_without_a_token_and_without_the_fallback_stops_with_the_hint(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        capture_output=True,
        text=True,
        env=env | {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 1 and "@BotFather" in done.stderr
