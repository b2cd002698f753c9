"""Run a bot (``innspill run`` or the bare echo bot) as a child process and read its figures."""

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

REPO = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-secret-key-0123456789"
# Settings that must not leak into the bot from the caller's environment.
_CLEARED = ("WEBHOOK_URL", "WEBHOOK_SECRET", "INTERVIEW_FILE", "DEFAULT_LANGUAGE", "TIMEZONE")
_TICKS = os.sysconf("SC_CLK_TCK")


def full_bot_command() -> list[str]:
    """Return the command of the real bot, exactly as ``innspill run`` starts it."""
    return [sys.executable, "-m", "bot.cli", "run"]


def unpaced_bot_command() -> list[str]:
    """Return the command of the real bot with Telegram's send limits lifted (capacity)."""
    return [sys.executable, "-m", "bench.unpaced_bot"]


def echo_bot_command() -> list[str]:
    """Return the command of the bare aiogram echo bot."""
    return [sys.executable, "-m", "bench.echo_bot"]


class BotProcess:
    """A bot in its own process, pointed at the fake Bot API; stopped with SIGINT."""

    def __init__(
        self,
        command: list[str],
        *,
        api_url: str,
        token: str,
        database_url: str = "",
        log_level: str = "INFO",
    ) -> None:
        self.command = command
        self._workdir = tempfile.TemporaryDirectory(prefix="innspill-bench-bot-")
        self.log_path = Path(self._workdir.name) / "bot.log"
        env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
        env |= {
            "BOT_TOKEN": token,
            "TELEGRAM_API_URL": api_url,
            "SECRET_KEY": SECRET_KEY,
            "LOG_LEVEL": log_level,
            "PYTHONPATH": str(REPO),
        }
        if database_url:
            env["DATABASE_URL"] = database_url
        self._env = env
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        with self.log_path.open("wb") as log:
            # A working directory of its own, so no .env of the caller is read.
            self._process = subprocess.Popen(
                self.command,
                cwd=self._workdir.name,
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self._workdir.cleanup()

    @property
    def pid(self) -> int:
        """Return the process id of the running bot."""
        assert self._process is not None, "the bot was not started"
        return self._process.pid

    def check_alive(self) -> None:
        """Raise with the end of the bot's log if it has exited."""
        assert self._process is not None
        if self._process.poll() is not None:
            raise RuntimeError(
                f"the bot exited with status {self._process.returncode}:\n{self.log_tail()}"
            )

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) the bot has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS

    def memory_kib(self) -> dict[str, int]:
        """Return the bot's VmHWM (peak resident set) and VmRSS in KiB."""
        found = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                found[name] = int(value.split()[0])
        return found

    def stop(self, timeout: float = 15.0) -> int | None:
        """Stop the bot as Ctrl-C would; kill it if it does not end within ``timeout``."""
        if self._process is None or self._process.poll() is not None:
            return None if self._process is None else self._process.returncode
        self._process.send_signal(signal.SIGINT)
        try:
            return self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            return self._process.wait(5)

    def log_text(self) -> str:
        """Return everything the bot logged so far."""
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, lines: int = 20) -> str:
        """Return the last lines the bot logged."""
        return "\n".join(self.log_text().splitlines()[-lines:])
