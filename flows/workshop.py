"""Workshops as the pure core sees them: codes, deep links, and what an interview needs."""

import re
from dataclasses import dataclass

PAYLOAD_PREFIX = "ws_"
CODE_PATTERN = re.compile(r"[a-z0-9]{3,32}")  # storage keeps codes in a 32-character column
PAYLOAD_PATTERN = re.compile(r"ws_([A-Za-z0-9_-]{1,61})")  # Telegram: ≤ 64 of [A-Za-z0-9_-]
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or typed from paper
CODE_LENGTH = 6


@dataclass(frozen=True, slots=True)
class Workshop:
    """What a participant's interview needs to know about the workshop they came from."""

    code: str
    name: str
    group: str = ""
    area: str = ""


def valid_code(code: str) -> bool:
    """Tell whether ``code`` can be a workshop code (lowercase letters and digits, 3–32)."""
    return CODE_PATTERN.fullmatch(code) is not None


def payload(code: str) -> str:
    """Return the /start payload of a workshop link."""
    return f"{PAYLOAD_PREFIX}{code}"


def code_from_payload(argument: str) -> str | None:
    """Return the workshop code in a /start argument like "ws_ab12cd", or None."""
    match = PAYLOAD_PATTERN.fullmatch(argument.strip())
    return match[1].lower() if match else None


def deep_link(bot_username: str, code: str) -> str:
    """Return the link that opens the bot in the workshop."""
    return f"https://t.me/{bot_username}?start={payload(code)}"
