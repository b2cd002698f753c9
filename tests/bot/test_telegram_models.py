"""aiogram imported with its validators built on first use: less memory, the same updates read."""

import json

from tests.fresh_process import fresh_report

# What Telegram sends the bot: a text, a button press, a sticker, a member update, a reply.
_UPDATES = [
    {
        "update_id": 1,
        "message": {
            "message_id": 10,
            "date": 1_764_288_000,
            "chat": {"id": 7, "type": "private", "first_name": "Kari"},
            "from": {"id": 7, "is_bot": False, "first_name": "Kari", "language_code": "nb"},
            "text": "/start ws-7",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    },
    {
        "update_id": 2,
        "callback_query": {
            "id": "q1",
            "chat_instance": "c1",
            "from": {"id": 7, "is_bot": False, "first_name": "Kari"},
            "data": "consent:yes",
            "message": {
                "message_id": 11,
                "date": 1_764_288_001,
                "chat": {"id": 7, "type": "private"},
                "text": "Samtykker du?",
                "reply_markup": {
                    "inline_keyboard": [[{"text": "Ja", "callback_data": "consent:yes"}]]
                },
            },
        },
    },
    {
        "update_id": 3,
        "message": {
            "message_id": 12,
            "date": 1_764_288_002,
            "chat": {"id": 7, "type": "private"},
            "sticker": {
                "file_id": "s",
                "file_unique_id": "u",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
            "reply_to_message": {
                "message_id": 11,
                "date": 1_764_288_001,
                "chat": {"id": 7, "type": "private"},
                "text": "Samtykker du?",
            },
        },
    },
    {
        "update_id": 4,
        "my_chat_member": {
            "chat": {"id": 7, "type": "private"},
            "from": {"id": 7, "is_bot": False, "first_name": "Kari"},
            "date": 1_764_288_003,
            "old_chat_member": {
                "status": "member",
                "user": {"id": 1, "is_bot": True, "first_name": "B"},
            },
            "new_chat_member": {
                "status": "kicked",
                "user": {"id": 1, "is_bot": True, "first_name": "B"},
                "until_date": 0,
            },
        },
    },
]

# Read the updates and build a reply as the bot does; report the memory and what was read.
_READ = """
import json, sys
from bot.telegram.models import import_aiogram, warm_validators
deferred = import_aiogram() if LAZY else False
from aiogram.methods import SendMessage
from aiogram.methods.base import Response
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
warm_validators()
def rss():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) / 1024
mib = rss()
read = [Update.model_validate(raw).model_dump(mode="json") for raw in json.loads(sys.stdin.read())]
button = InlineKeyboardButton(text="Ja", callback_data="y")
keyboard = InlineKeyboardMarkup(inline_keyboard=[[button]])
sent = SendMessage(chat_id=7, text="Hei", reply_markup=keyboard)
sent = repr(sent.model_dump(exclude_none=True))
shown = read[1]["callback_query"]["message"]
answer = Response[Message].model_validate({"ok": True, "result": shown})
print(json.dumps({"deferred": deferred, "mib": mib, "read": read, "sent": sent,
                  "answer": answer.result.model_dump(mode="json")}))
"""

# Build every model aiogram defines: a Bot API type or method left unbuildable would fail the
# first time Telegram sent it (or the bot called it), not at start.
_EVERY_MODEL = """
import json
from pydantic import BaseModel
from bot.telegram.models import _subclasses, import_aiogram
import_aiogram()
import aiogram.methods, aiogram.types
failed = []
models = [m for m in _subclasses(BaseModel) if m.__module__.startswith("aiogram.")]
for model in models:
    try:
        model.model_rebuild(raise_errors=True)
        assert model.__pydantic_complete__
    except Exception as error:
        failed.append(f"{model.__module__}.{model.__qualname__}: {error}")
print(json.dumps({"models": len(models), "failed": failed}))
"""


def test_deferred_validators_read_every_update_as_aiogram_always_did() -> None:
    updates = json.dumps(_UPDATES)
    eager = fresh_report("LAZY = False" + _READ, stdin=updates)
    lazy = fresh_report("LAZY = True" + _READ, stdin=updates)
    assert lazy["deferred"] is True and eager["deferred"] is False
    assert lazy["read"] == eager["read"]
    assert lazy["read"][1]["callback_query"]["data"] == "consent:yes"
    assert lazy["sent"] == eager["sent"]
    assert lazy["answer"] == eager["answer"]
    # aiogram builds ~600 validators at import, about 100 MiB of a bot that reads a handful.
    assert lazy["mib"] < eager["mib"] - 60


def test_every_bot_api_type_and_method_can_still_be_built_when_first_used() -> None:
    report = fresh_report(_EVERY_MODEL)
    assert report["models"] > 600
    assert report["failed"] == []
