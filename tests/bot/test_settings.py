"""Settings: documented in the README, read from .env, and wrong values named clearly."""

import re
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings

README = Path(__file__).parents[2] / "README.md"


def test_every_setting_is_in_the_readme_table() -> None:
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", README.read_text(encoding="utf-8"), re.M))
    assert documented == {name.upper() for name in Settings.model_fields}


def test_settings_come_from_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    (tmp_path / ".env").write_text("BOT_TOKEN=42:abc\nTIMEZONE=Europe/Berlin\n", encoding="utf-8")
    settings = load_settings()
    assert settings.bot_token is not None and settings.bot_token.get_secret_value() == "42:abc"
    assert settings.timezone == "Europe/Berlin"
    assert "42:abc" not in repr(settings)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"timezone": "Europe/Osloo"}, "TIMEZONE"),
        ({"secret_key": "short"}, "SECRET_KEY"),
        ({"webhook_url": "https://example.org/hook"}, "WEBHOOK_SECRET"),
        ({"telegram_api_url": "ftp://x"}, "TELEGRAM_API_URL"),
        ({"webhook_port": 0}, "WEBHOOK_PORT"),
        ({"quiet_hours": "21-25"}, "QUIET_HOURS"),
        ({"public_results": "maybe"}, "PUBLIC_RESULTS"),
    ],
)
def test_a_wrong_setting_is_named(overrides: dict[str, object], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(_env_file=None, **overrides)


def test_a_missing_secret_key_is_created_once_beside_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    (tmp_path / "data").mkdir()
    url = f"sqlite:///{tmp_path / 'data' / 'innspill.db'}"
    monkeypatch.chdir(tmp_path)
    first = load_settings(_env_file=None, database_url=url).pseudonym_key()
    monkeypatch.chdir(tmp_path / "data")  # started from elsewhere: the same key
    assert first == load_settings(_env_file=None, database_url=url).pseudonym_key()
    assert len(first) >= 32
    assert (tmp_path / "data" / "innspill.db.secret").stat().st_mode & 0o077 == 0
    assert not (tmp_path / ".innspill-secret").exists()


def test_quiet_hours_default_to_the_night_and_may_be_turned_off() -> None:
    assert str(load_settings(_env_file=None).quiet_hours) == "21:00-08:00"
    assert load_settings(_env_file=None, quiet_hours="").quiet_hours is None
    assert load_settings(_env_file=None, public_results="on").public_results is True


def test_postgresql_needs_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = load_settings(_env_file=None, database_url="postgresql+psycopg://db/innspill")
    with pytest.raises(SettingsError, match=r"^SECRET_KEY: must be set"):
        settings.pseudonym_key()
