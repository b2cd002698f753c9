"""``innspill doctor``: check the whole set-up, one line per check with what to do. No secrets."""

import errno
import ipaddress
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, TextIO

from bot.settings import Settings, SettingsError, load_settings

Level = Literal["OK", "WARN", "FAIL"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's result and, unless it is OK, what to do about it."""

    level: Level
    check: str
    message: str


def run_doctor(*, out: TextIO) -> int:
    """Print every finding; return 1 if any check failed."""
    failed = False
    for finding in examine():
        out.write(f"{finding.level:<4} {finding.check}: {finding.message}\n")
        failed = failed or finding.level == "FAIL"
    return 1 if failed else 0


def examine() -> Iterator[Finding]:
    """Check the settings, then (if they can be read) everything they point at."""
    from bot.cli.doctor_services import database, disk, telegram, translation

    try:
        settings = load_settings()
    except SettingsError as error:
        for line in error.problems:
            yield Finding(
                "FAIL", "settings", f"{line.strip()} (fix it in the environment or .env)"
            )
        return
    yield Finding("OK", "settings", "every setting has a valid value")
    yield from secrets(settings)
    yield interview(settings)
    yield from database(settings)
    yield from disk(settings)
    yield from telegram(settings)
    yield from translation(settings)
    yield from addresses(settings)
    yield clock(settings)


def secrets(settings: Settings) -> Iterator[Finding]:
    """Check that the secrets production needs are set (never showing them)."""
    if not settings.bot_token:
        yield Finding("FAIL", "BOT_TOKEN", "not set: get one from @BotFather, put it in .env")
    if not settings.secret_key:
        yield Finding(
            "WARN",
            "SECRET_KEY",
            "not set: the key is kept in .innspill-secret; set SECRET_KEY (and back it up) "
            "so a lost file does not make every resident a stranger",
        )
    if not settings.metrics_token and not _loopback(settings.web_host):
        yield Finding(
            "WARN",
            "METRICS_TOKEN",
            f"not set while WEB_HOST={settings.web_host} is reachable from other machines: "
            "set it, or keep WEB_HOST on 127.0.0.1 behind the reverse proxy",
        )
    if settings.webhook_url and not settings.webhook_url.startswith("https://"):
        yield Finding("FAIL", "WEBHOOK_URL", "Telegram posts only to https:// URLs")


def interview(settings: Settings) -> Finding:
    """Read and check the interview file, and that it offers DEFAULT_LANGUAGE."""
    from bot.content_files import load_content
    from flows.texts import ContentError

    try:
        content = load_content(settings.interview_file)
    except ContentError as error:
        return Finding("FAIL", "INTERVIEW_FILE", f"{error} (see docs/INTERVIEW_FILE.md)")
    if settings.default_language not in content.languages:
        offered = ", ".join(content.languages)
        return Finding(
            "FAIL",
            "DEFAULT_LANGUAGE",
            f"{settings.default_language!r} is not offered by {content.path} (offered: {offered})",
        )
    return Finding(
        "OK", "INTERVIEW_FILE", f"{content.path}: languages {', '.join(content.languages)}"
    )


def addresses(settings: Settings) -> Iterator[Finding]:
    """Check that the web server (and webhook server) can listen where they are told to."""
    servers = [("WEB_HOST/WEB_PORT", settings.web_host, settings.web_port)]
    if settings.webhook_url:
        servers.append(("WEBHOOK_HOST/PORT", settings.webhook_host, settings.webhook_port))
    for name, host, port in servers:
        yield _bindable(name, host, port)


def _bindable(name: str, host: str, port: int) -> Finding:
    try:
        with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            return Finding(
                "WARN",
                name,
                f"{host}:{port} is in use: fine if Innspill runs now, else choose another port",
            )
        return Finding("FAIL", name, f"cannot listen on {host}:{port} ({error.strerror})")
    return Finding("OK", name, f"{host}:{port} is free to listen on")


def _family(host: str) -> socket.AddressFamily:
    try:
        return socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    except ValueError:
        return socket.AF_INET


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def clock(settings: Settings) -> Finding:
    """Show the time in TIMEZONE, so a wrong zone or clock is seen at a glance."""
    local = datetime.now(UTC).astimezone(settings.zone)
    return Finding(
        "OK", "TIMEZONE", f"{settings.timezone}: it is {local:%Y-%m-%d %H:%M %Z} there now"
    )
