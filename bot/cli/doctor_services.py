"""The doctor's checks of what the settings point at: the database, the disk and Telegram."""

import asyncio
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.doctor import Finding
from bot.settings import Settings
from storage.backup import sqlite_file
from storage.engine import current_revision, head_revision, make_engine

FREE_MIN = 100 * 2**20  # below this, SQLite's next checkpoint or a backup may not fit
FREE_COMFORTABLE = 2**30
CLOCK_SKEW_WARN = 60.0  # seconds off Telegram's clock
TELEGRAM_TIMEOUT = 15.0


def database(settings: Settings) -> Iterator[Finding]:
    """Check that the database answers, is migrated and can be written."""
    try:
        engine = make_engine(settings.database_url)
    except ValueError as error:
        yield Finding("FAIL", "DATABASE_URL", str(error))
        return
    try:
        yield from _database(engine, settings.database_url)
    finally:
        engine.dispose()


def _database(engine: Engine, url: str) -> Iterator[Finding]:
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as error:
        yield Finding(
            "FAIL",
            "database",
            f"cannot reach {shown} ({_reason(error, url)}): check DATABASE_URL, that the "
            "server runs and that the user may log in",
        )
        return
    head = head_revision()
    if revision is None:
        yield Finding("WARN", "database", f"{shown} is empty: `innspill db upgrade` (or run)")
        return
    if revision != head:
        yield Finding(
            "WARN",
            "database",
            f"schema {revision}, this Innspill needs {head}: run `innspill db upgrade`",
        )
    try:
        with engine.connect() as connection, connection.begin() as transaction:
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
            transaction.rollback()  # a write was allowed; keep nothing
    except SQLAlchemyError as error:
        yield Finding(
            "FAIL",
            "database",
            f"{shown} cannot be written ({_reason(error, url)}): check the file's owner and "
            "permissions, or the database user's privileges",
        )
        return
    yield Finding("OK", "database", f"{shown} answers, is at schema {revision} and is writable")


def _reason(error: SQLAlchemyError, url: str) -> str:
    """Return the driver's first line about ``error``, never the password."""
    original = getattr(error, "orig", None) or error
    line = (str(original).strip().splitlines() or [type(original).__name__])[0]
    password = make_url(url).password
    return line.replace(password, "***") if password else line


def disk(settings: Settings) -> Iterator[Finding]:
    """Check the free space next to a SQLite database (PostgreSQL's disk is its own)."""
    path = sqlite_file(settings.database_url)
    if path is None:
        return
    free = shutil.disk_usage(path.parent if path.parent.exists() else ".").free
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
    shown = f"{free / 2**30:.1f} GiB free next to {path} ({size / 2**20:.0f} MiB)"
    if free < FREE_MIN:
        yield Finding("FAIL", "disk", f"only {shown}: free space before SQLite runs out")
    elif free < max(FREE_COMFORTABLE, 2 * size):
        yield Finding("WARN", "disk", f"{shown}: a backup needs as much again; free space soon")
    else:
        yield Finding("OK", "disk", shown)


def telegram(settings: Settings) -> Iterator[Finding]:
    """Check the token, the webhook (or that polling is possible) and the clock."""
    if not settings.bot_token:
        return
    yield from asyncio.run(_telegram(settings))


async def _telegram(settings: Settings) -> list[Finding]:
    assert settings.bot_token is not None
    base = f"{settings.telegram_api_url}/bot{settings.bot_token.get_secret_value()}"
    timeout = aiohttp.ClientTimeout(total=TELEGRAM_TIMEOUT)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            me, date = await _call(session, f"{base}/getMe")
            if me.get("ok") is not True:
                return [_refused(me)]
            hook, _ = await _call(session, f"{base}/getWebhookInfo")
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        # The error's text may hold the URL, and so the token: name its kind only.
        return [
            Finding(
                "FAIL",
                "Telegram",
                f"cannot reach {settings.telegram_api_url} ({type(error).__name__}): check the "
                "network, proxy and firewall, or TELEGRAM_API_URL",
            )
        ]
    found = [Finding("OK", "BOT_TOKEN", f"valid: the bot is @{me['result'].get('username')}")]
    found.append(_webhook(settings, hook.get("result", {})))
    found.append(_skew(date))
    return found


async def _call(session: aiohttp.ClientSession, url: str) -> tuple[dict[str, Any], str]:
    async with session.get(url) as response:
        body: dict[str, Any] = await response.json(content_type=None)
        return body, response.headers.get("Date", "")


def _refused(answer: dict[str, Any]) -> Finding:
    said = str(answer.get("description", "refused"))
    return Finding(
        "FAIL", "BOT_TOKEN", f"Telegram refuses it ({said}): copy the token again from @BotFather"
    )


def _webhook(settings: Settings, info: dict[str, Any]) -> Finding:
    current = str(info.get("url", ""))
    error = info.get("last_error_message")
    if settings.webhook_url:
        if current != settings.webhook_url:
            return Finding(
                "WARN",
                "WEBHOOK_URL",
                f"Telegram posts to {current or 'nowhere yet'}: `innspill run` sets "
                f"{settings.webhook_url}",
            )
        if error:
            return Finding(
                "WARN",
                "WEBHOOK_URL",
                f"Telegram's last delivery failed ({error}): check the reverse proxy",
            )
        return Finding("OK", "WEBHOOK_URL", f"Telegram posts updates to {current}")
    if current:
        return Finding(
            "WARN", "polling", f"a webhook is set ({current}): `innspill run` removes it to poll"
        )
    return Finding("OK", "polling", "no webhook is set: long polling is possible")


def _skew(date: str) -> Finding:
    try:
        theirs = parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return Finding("WARN", "clock", "Telegram sent no Date header to compare the clock with")
    skew = (datetime.now(UTC) - theirs).total_seconds()
    if abs(skew) > CLOCK_SKEW_WARN:
        return Finding(
            "WARN",
            "clock",
            f"{skew:+.0f} s off Telegram's clock: turn on time sync (e.g. systemd-timesyncd)",
        )
    return Finding("OK", "clock", f"within {CLOCK_SKEW_WARN:.0f} s of Telegram's clock")


def translation(settings: Settings) -> Iterator[Finding]:
    """Check that TRANSLATE_URL translates a word in time (nothing to check when unset)."""
    if not settings.translate_url:
        return
    yield asyncio.run(_translation(settings, settings.translate_url))


async def _translation(settings: Settings, url: str) -> Finding:
    key = settings.translate_api_key.get_secret_value() if settings.translate_api_key else ""
    body = {"q": "hei", "source": "nb", "target": "en", "format": "text", "api_key": key}
    timeout = aiohttp.ClientTimeout(total=settings.translate_timeout)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url.rstrip("/") + "/translate", json=body) as response,
        ):
            answer: dict[str, Any] = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        return Finding(
            "FAIL",
            "TRANSLATE_URL",
            f"no answer from {url} within TRANSLATE_TIMEOUT ({type(error).__name__}): digests "
            "show the originals; start the server or fix the URL",
        )
    if response.status == 403:
        return Finding("FAIL", "TRANSLATE_API_KEY", "the translation server refused the key")
    if response.status != 200 or "translatedText" not in answer:
        said = str(answer.get("error", f"HTTP {response.status}"))[:120]
        return Finding("FAIL", "TRANSLATE_URL", f"{url} did not translate ({said})")
    return Finding("OK", "TRANSLATE_URL", f"{url} translates (bokmål → English)")
