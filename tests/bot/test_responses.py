"""aiogram's response classes stay built while the bot runs, instead of after every collection."""

import gc

from aiogram.methods.base import Response
from aiogram.types import Message

from bot.telegram.responses import keep_responses


def test_kept_response_classes_survive_a_garbage_collection() -> None:
    kept = keep_responses()
    before = Response[Message]
    gc.collect()
    assert Response[Message] is before
    assert before in kept and len(kept) > 30  # every Bot API method's answer type


def test_the_pollers_own_method_keeps_its_response_class_too() -> None:
    # RawUpdates answers list[Any]: rebuilt for every getUpdates when only aiogram's were kept.
    from bot.telegram.polling import RawUpdates

    kept = keep_responses()
    before = Response[RawUpdates.__returning__]
    gc.collect()
    assert Response[RawUpdates.__returning__] is before
    assert before in kept
