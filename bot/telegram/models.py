"""aiogram's Bot API models with their validators built on first use, not all at import.

aiogram defines a pydantic model for each of the Bot API's ~300 types and ~170 methods, and
pydantic builds every model's validator and serializer when aiogram is imported, each holding
its own copy of the types it nests (a ``Message`` nests most of the API): 155 MiB before the
bot handles one update, nearly all of the echo bot's idle. The bot validates a handful of
them. ``import_aiogram`` imports aiogram with pydantic's ``defer_build`` on and aiogram's own
rebuild of every type skipped; the names that rebuild resolves forward references with are
kept on each class, so pydantic builds the very same validator when a class is first used
(about 55 MiB in all instead of 165, measured). ``warm_validators`` builds at start the ones
every resident's update needs, so that no resident waits for them.
"""

import sys
from typing import Any

from pydantic import BaseModel


def import_aiogram() -> bool:
    """Import aiogram with its models' validators deferred; tell whether they are."""
    if "aiogram" in sys.modules:
        return False  # already imported, every validator built: nothing left to defer
    names: dict[str, Any] = {}
    rebuild = BaseModel.__dict__["model_rebuild"]

    def remember(cls: type[BaseModel], /, *, _types_namespace: Any = None, **_: Any) -> None:
        names.update(_types_namespace or {})  # aiogram.types passes every type's name

    BaseModel.model_config["defer_build"] = True
    setattr(BaseModel, "model_rebuild", classmethod(remember))  # noqa: B010 (mypy: a method)
    try:
        import aiogram.methods
        import aiogram.types  # noqa: F401
    finally:
        setattr(BaseModel, "model_rebuild", rebuild)  # noqa: B010
        del BaseModel.model_config["defer_build"]
    for model in _subclasses(BaseModel):
        if model.__module__.startswith("aiogram."):
            # Generic responses (Response[Message]) made later inherit it from Response.
            model.__pydantic_parent_namespace__ = names
    return True


def warm_validators() -> int:
    """Build the validators of an update and of the calls answering one; return how many."""
    from aiogram.methods import (
        AnswerCallbackQuery,
        EditMessageText,
        GetMe,
        SendMessage,
        SetMyCommands,
    )
    from aiogram.methods.base import Response
    from aiogram.types import Update

    built = 0
    for method in (AnswerCallbackQuery, EditMessageText, GetMe, SendMessage, SetMyCommands):
        built += _build(method) + _build(Response[method.__returning__])  # type: ignore[name-defined]
    return built + _build(Update)


def _build(model: type[BaseModel]) -> int:
    if model.__pydantic_complete__:
        return 0
    model.model_rebuild()
    return 1


def _subclasses(base: type[BaseModel]) -> list[type[BaseModel]]:
    """Return every model derived from ``base``, however indirectly, as loaded now."""
    found: dict[type[BaseModel], None] = {}
    waiting = list(base.__subclasses__())
    while waiting:
        model = waiting.pop()
        if model not in found:
            found[model] = None
            waiting.extend(model.__subclasses__())
    return list(found)
