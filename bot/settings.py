"""Every setting of Innspill in one object, read from the environment and ``.env``."""

import secrets
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from flows.priority import DEFAULT_WEIGHTS, Weights

SECRET_FILE = Path(".innspill-secret")
MIN_SECRET_CHARS = 16


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names the setting."""


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
    translate_url: str | None = Field(
        None, description="LibreTranslate-compatible server translating quotes for staff."
    )
    translate_api_key: SecretStr | None = Field(None, description="API key of TRANSLATE_URL.")
    translate_timeout: float = Field(
        3.0, gt=0, le=30, description="Seconds a digest or export waits for translations at most."
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
            if not all(part.isdigit() for part in parts):
                raise ValueError(f"{value!r} is not a comma-separated list of Telegram user ids")
            return tuple(int(part) for part in parts)
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

    @field_validator("telegram_api_url", "webhook_url", "translate_url")
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

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> "Settings":
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("WEBHOOK_SECRET must be set when WEBHOOK_URL is set")
        return self

    @property
    def zone(self) -> ZoneInfo:
        """Return the configured time zone."""
        return ZoneInfo(self.timezone)

    def pseudonym_key(self) -> bytes:
        """Return SECRET_KEY, or a key kept in .innspill-secret (created once) when unset."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        if not SECRET_FILE.exists():
            SECRET_FILE.write_text(secrets.token_urlsafe(32) + "\n", encoding="utf-8")
            SECRET_FILE.chmod(0o600)
        return SECRET_FILE.read_text(encoding="utf-8").strip().encode()


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise SettingsError naming each setting at fault."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            name = ".".join(str(part) for part in problem["loc"]).upper() or "settings"
            lines.append(f"{name}: {problem['msg']}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None
