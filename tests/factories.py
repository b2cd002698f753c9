"""Builders for raw Telegram updates, shaped exactly as the Bot API sends them, and samples."""

import re
from typing import Any

from flows.problem import Problem

# 2026-01-05 08:00 UTC: a fixed instant keeps updates built by tests reproducible.
DEFAULT_DATE = 1_767_600_000
DEFAULT_USER_ID = 1001
MEDIA_KINDS = ("sticker", "photo", "voice", "video", "document", "contact")

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,64})?")


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def chat_id_for(user_id: int, chat_type: str = "private") -> int:
    """Return the chat id a user's message lands in: the user id in private, negative in groups."""
    if chat_type == "private":
        return user_id
    if chat_type == "group":
        return -user_id
    return -1_000_000_000_000 - user_id


def make_user(
    user_id: int = DEFAULT_USER_ID,
    *,
    language_code: str | None = "nb",
    first_name: str | None = None,
    username: str | None = None,
    is_bot: bool = False,
) -> dict[str, Any]:
    """Build a User object; names default to ones derived from the id."""
    user: dict[str, Any] = {
        "id": user_id,
        "is_bot": is_bot,
        "first_name": first_name or f"Resident{user_id}",
        "username": username or f"resident{user_id}",
    }
    if language_code is not None:
        user["language_code"] = language_code
    return user


def make_chat(user: dict[str, Any], chat_type: str = "private") -> dict[str, Any]:
    """Build the Chat object a user writes in."""
    chat_id = chat_id_for(user["id"], chat_type)
    if chat_type == "private":
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        return chat
    return {"id": chat_id, "type": chat_type, "title": f"Test {chat_type} {abs(chat_id)}"}


def command_entities(text: str) -> list[dict[str, Any]]:
    """Return the bot_command entity Telegram's server attaches to a leading "/command"."""
    match = _COMMAND.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]


def make_message(
    *,
    message_id: int = 1,
    user_id: int = DEFAULT_USER_ID,
    text: str | None = None,
    language_code: str | None = "nb",
    chat_type: str = "private",
    date: int = DEFAULT_DATE,
    **content: Any,
) -> dict[str, Any]:
    """Build a Message from a resident; content adds fields such as photo or location."""
    user = make_user(user_id, language_code=language_code)
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": date,
        "chat": make_chat(user, chat_type),
        "from": user,
    }
    if text is not None:
        message["text"] = text
        if entities := command_entities(text):
            message["entities"] = entities
    message.update(content)
    return message


def make_message_update(
    *,
    update_id: int = 1,
    edited: bool = False,
    edit_date: int | None = None,
    **message: Any,
) -> dict[str, Any]:
    """Build a message (or edited_message) update; keywords go to make_message."""
    body = make_message(**message)
    if edited:
        body["edit_date"] = edit_date if edit_date is not None else body["date"] + 1
        return {"update_id": update_id, "edited_message": body}
    return {"update_id": update_id, "message": body}


def make_callback_update(
    *,
    data: str,
    update_id: int = 1,
    user_id: int = DEFAULT_USER_ID,
    message: dict[str, Any] | None = None,
    callback_id: str | None = None,
    language_code: str | None = "nb",
    bot_id: int = 123456,
) -> dict[str, Any]:
    """Build a callback_query update for a button press on a message the bot sent."""
    user = make_user(user_id, language_code=language_code)
    if message is None:
        bot = make_user(bot_id, is_bot=True, first_name="Innspill", language_code=None)
        message = {"message_id": 1, "date": DEFAULT_DATE, "chat": make_chat(user), "from": bot}
        message["text"] = "?"
    query = {
        "id": callback_id or f"{user_id}{update_id:08d}",
        "from": user,
        "message": message,
        "chat_instance": f"-{user_id * 7919}",
        "data": data,
    }
    return {"update_id": update_id, "callback_query": query}


def make_media(kind: str, serial: int, user_id: int = DEFAULT_USER_ID) -> dict[str, Any]:
    """Return the message fields for one kind of media a resident can send."""
    file = {"file_id": f"{kind}-file-{serial}", "file_unique_id": f"{kind}-uniq-{serial}"}
    if kind == "photo":
        sizes = ((90, 67), (320, 240), (1280, 960))
        return {
            "photo": [
                {**file, "file_id": f"{file['file_id']}-{w}", "width": w, "height": h}
                for w, h in sizes
            ]
        }
    fields: dict[str, dict[str, Any]] = {
        "sticker": {
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        },
        "voice": {"duration": 3, "mime_type": "audio/ogg", "file_size": 4200},
        "video": {"width": 640, "height": 360, "duration": 5, "mime_type": "video/mp4"},
        "document": {"file_name": "vedlegg.pdf", "mime_type": "application/pdf"},
    }
    if kind == "contact":
        number = f"+47{40_000_000 + user_id % 10_000_000}"
        return {"contact": {"phone_number": number, "first_name": "Kari", "user_id": user_id}}
    if kind not in fields:
        raise ValueError(f"unknown media kind {kind!r}; expected one of {MEDIA_KINDS}")
    return {kind: {**file, **fields[kind]}}


# A complete report, as the interview saves it: the storage tests' common sample.
SAMPLE_PROBLEM = Problem(
    text="Bussen til Hunndalen går for sjelden om kvelden.",
    language="nb",
    suggested_solution="Én avgang til etter kl. 22.",
    solution_language="nb",
    frequency="weekly",
    severity=4,
    groups=("commuters", "youth"),
    area="hunndalen",
    workshop="ws1",
)
