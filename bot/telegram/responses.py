"""Keep aiogram's ``Response[T]`` classes alive for as long as the bot runs.

aiogram validates every Bot API answer with ``Response[method.__returning__]``, a pydantic
generic class that pydantic caches only weakly: after a garbage collection it is built again,
about 5 ms each time (measured), on the path of every reply. Building each one once at start-up
(about 60 ms for all) and holding them makes the lookup a cache hit again.
"""

import inspect
from typing import Any

import aiogram.methods
from aiogram.methods.base import Response, TelegramMethod


def keep_responses() -> tuple[type, ...]:
    """Build the response class of every Bot API method; hold the result to keep them cached."""
    returning: dict[str, Any] = {}
    for value in vars(aiogram.methods).values():
        if inspect.isclass(value) and issubclass(value, TelegramMethod):
            kind = getattr(value, "__returning__", None)
            if kind is not None and not isinstance(kind, property):  # the abstract base's
                returning[repr(kind)] = kind
    return tuple(Response[kind] for kind in returning.values())  # type: ignore[valid-type]
