"""Every setting of Innspill in one object, read from the environment and ``.env``."""

import re
import secrets
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from flows.priority import DEFAULT_WEIGHTS, Weights
from flows.quiet_hours import DEFAULT_QUIET_HOURS, QuietHours

LEGACY_SECRET_FILE = Path(".innspill-secret")  # where earlier versions kept the key
SECRET_SUFFIX = ".secret"  # the generated key lives beside the SQLite file: innspill.db.secret
MIN_SECRET_CHARS = 16
TELEGRAM_ID_MAX = 2**63 - 1  # Telegram ids fit a signed 64-bit integer
# What Telegram accepts as a webhook's secret_token, and what a bot token looks like.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_TOKEN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]+")


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names the setting.

    ``problems`` holds one line per setting at fault (the message joins them into one line).
    """

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems or (message,)


class Settings(BaseSettings):
    """The settings table of the README, one field per environment variable."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = Field(None, description="Telegram bot token from @BotFather.")
    telegram_api_url: str = Field(
        "https://api.telegram.org",
        description="Bot API server (a self-hosted one, or a test fake).",
    )
    database_url: str = Field(
        "sqlite:///innspill.db", description="SQLAlchemy URL: a SQLite file or PostgreSQL."
    )
    secret_key: SecretStr | None = Field(
        None, description="Key for pseudonymising residents (HMAC of the Telegram id)."
    )
    timezone: str = Field("Europe/Oslo", description="Time zone for schedules and dates.")
    default_language: str = Field("nb", description="Language used before a resident's is known.")
    interview_file: Path | None = Field(
        None, description="Interview content file (TOML); default: the packaged Gjøvik file."
    )
    webhook_url: str | None = Field(
        None, description="Public HTTPS URL Telegram posts updates to; unset = long polling."
    )
    webhook_secret: SecretStr | None = Field(
        None, description="Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token."
    )
    webhook_host: str = Field("127.0.0.1", description="Address the webhook server listens on.")
    webhook_port: int = Field(8080, ge=1, le=65535, description="Port of the webhook server.")
    retention_days: int = Field(
        180, ge=1, description="Days of silence after which a resident's link is forgotten."
    )
    # The consent text promises deletion "after two years at the latest": never longer.
    problem_retention_days: int = Field(
        730, ge=1, le=730, description="Days after which a problem and all about it is deleted."
    )
    scheduler_seconds: float = Field(
        60.0, gt=0, le=3600, description="How often the scheduler looks for due work."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Logging level; message text is only logged at DEBUG."
    )
    # NoDecode: the environment gives "1, 2", not the JSON list pydantic-settings expects.
    admin_ids: Annotated[tuple[int, ...], NoDecode] = Field(
        (), description="Telegram user ids made admins at start-up, comma-separated."
    )
    digest_time: time = Field(
        time(8, 0), description="Local time (HH:MM in TIMEZONE) scheduled digests are sent."
    )
    priority_weights: Annotated[Weights, NoDecode] = Field(
        DEFAULT_WEIGHTS, description="Weights of a theme's priority score, e.g. reach=0.4,…"
    )
    quiet_hours: Annotated[QuietHours | None, NoDecode] = Field(
        DEFAULT_QUIET_HOURS, description="Local hours without messages to residents, e.g. 21-08."
    )
    public_results: bool = Field(
        False, description="Publish the themes staff marked public at /results (on/off)."
    )
    translate_url: str | None = Field(
        None,
        description="LibreTranslate-compatible server translating quotes for staff and notes "
        "for residents.",
    )
    translate_api_key: SecretStr | None = Field(None, description="API key of TRANSLATE_URL.")
    translate_timeout: float = Field(
        3.0,
        gt=0,
        le=30,
        description="Seconds a digest, export or status message waits for translations at most.",
    )

    web_host: str = Field("127.0.0.1", description="Address the web server listens on.")
    web_port: int = Field(
        8000, ge=0, le=65535, description="Port of the web server (0: any free port)."
    )
    public_url: str | None = Field(
        None, description="Address staff open the workspace at; default http://WEB_HOST:WEB_PORT."
    )
    metrics_token: SecretStr | None = Field(
        None, description="Bearer token /metrics asks for; unset: /metrics is open."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="text (readable) or json (one object per line)."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Oslo)") from error
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.isascii() and part.isdigit() for part in parts):
                raise ValueError(f"{value!r} is not a comma-separated list of Telegram user ids")
            ids = tuple(int(part) for part in parts)
            wrong = [str(i) for i in ids if not 1 <= i <= TELEGRAM_ID_MAX]
            if wrong:
                raise ValueError(
                    f"{', '.join(wrong)} cannot be a Telegram user id (1 to {TELEGRAM_ID_MAX}); "
                    "ask the person for theirs, e.g. from @userinfobot"
                )
            return ids
        return value

    @field_validator("digest_time", mode="before")
    @classmethod
    def _clock_time(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                parsed = time.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"{value!r} is not a time of day such as 08:00") from None
            return parsed.replace(second=0, microsecond=0, tzinfo=None)
        return value

    @field_validator("priority_weights", mode="before")
    @classmethod
    def _weights(cls, value: object) -> object:
        return Weights.parse(value) if isinstance(value, str) else value

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _quiet_hours(cls, value: object) -> object:
        return QuietHours.parse(value) if isinstance(value, str) else value

    @field_validator("telegram_api_url", "webhook_url", "public_url", "translate_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and urlparse(value).scheme not in ("http", "https"):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.rstrip("/") if value else value

    @field_validator("secret_key")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_CHARS:
            raise ValueError(f"must be at least {MIN_SECRET_CHARS} characters")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            # Never echo the secret: say what Telegram accepts.
            raise ValueError(
                "Telegram accepts only 1-256 letters A-Z and a-z, digits, _ and -; choose another"
            )
        return value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _BOT_TOKEN.fullmatch(value.get_secret_value().strip()):
            raise ValueError(
                "not a bot token (digits, a colon, then letters, digits, _ or -); "
                "copy it again from @BotFather"
            )
        return SecretStr(value.get_secret_value().strip()) if value is not None else None

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> "Settings":
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("WEBHOOK_SECRET must be set when WEBHOOK_URL is set")
        return self

    @property
    def zone(self) -> ZoneInfo:
        """Return the configured time zone."""
        return ZoneInfo(self.timezone)

    @property
    def workspace_url(self) -> str:
        """Return the address staff open the workspace at (PUBLIC_URL or WEB_HOST:WEB_PORT)."""
        return self.public_url or f"http://{self.web_host}:{self.web_port}"

    def secrets(self) -> list[str]:
        """Return every secret value set, for the log redaction."""
        kept = (
            self.bot_token,
            self.secret_key,
            self.webhook_secret,
            self.metrics_token,
            self.translate_api_key,
        )
        return [value.get_secret_value() for value in kept if value is not None]

    def pseudonym_key(self) -> bytes:
        """Return SECRET_KEY, or the key kept beside the SQLite file (created once) when unset."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        file = self.secret_file()
        if file is None:
            raise SettingsError(
                "SECRET_KEY: must be set unless DATABASE_URL is a SQLite file; "
                "e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        if not file.exists():
            # An install from before the key moved next to the database keeps its old key.
            old = LEGACY_SECRET_FILE.resolve()
            key = old.read_text("utf-8").strip() if old.is_file() else secrets.token_urlsafe(32)
            file.write_text(key + "\n", encoding="utf-8")
            file.chmod(0o600)
        return file.read_text(encoding="utf-8").strip().encode()

    def secret_file(self) -> Path | None:
        """Return where a generated key is kept: beside the SQLite file; None for PostgreSQL."""
        scheme, _, rest = self.database_url.partition(":///")
        if scheme != "sqlite":
            return None
        database = Path(rest.partition("?")[0]).expanduser().resolve()
        return database.with_name(database.name + SECRET_SUFFIX)


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise SettingsError naming each setting at fault."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"]).upper() or "settings"
            lines.append(f"{name}: {problem['msg'].removeprefix('Value error, ')}")
        # One line: an operator (or a supervisor's log) sees the whole reason at once.
        raise SettingsError("; ".join(lines), tuple(lines)) from None
