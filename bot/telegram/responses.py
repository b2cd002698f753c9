"""Keep aiogram's ``Response[T]`` classes alive for as long as the bot runs.

aiogram validates every Bot API answer with ``Response[method.__returning__]``, a pydantic
generic class that pydantic caches only weakly: after a garbage collection it is built again,
about 5 ms each time (measured), on the path of every reply. Building each one once at start-up
(about 60 ms for all) and holding them makes the lookup a cache hit again.

Every subclass of ``TelegramMethod`` counts, ours too: the poller's ``RawUpdates`` answers
``list[Any]``, and that class was rebuilt for nearly every getUpdates (75 times in a run of
450 updates) while only aiogram's own methods were kept.
"""

from typing import Any

import aiogram.methods  # noqa: F401  (loads every Bot API method: each subclasses TelegramMethod)
from aiogram.methods.base import Response, TelegramMethod


def keep_responses() -> tuple[type, ...]:
    """Build the response class of every Bot API method; hold the result to keep them cached."""
    returning: dict[str, Any] = {}
    for method in _subclasses(TelegramMethod):
        kind = getattr(method, "__returning__", None)
        if kind is not None and not isinstance(kind, property):  # the abstract base's
            returning[repr(kind)] = kind
    return tuple(Response[kind] for kind in returning.values())  # type: ignore[valid-type]


def _subclasses(base: type) -> list[type]:
    """Return every class derived from ``base``, however indirectly, as loaded now."""
    found: list[type] = []
    waiting: list[type] = list(base.__subclasses__())
    while waiting:
        cls = waiting.pop()
        if cls not in found:
            found.append(cls)
            waiting.extend(cls.__subclasses__())
    return found
