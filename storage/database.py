"""One object for database work: a function run inside one short transaction."""

import asyncio
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from storage.engine import read_scope, session_scope

P = ParamSpec("P")
R = TypeVar("R")


class Database:
    """Run ``fn(session, **kwargs)`` in one transaction: from async code in a worker thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def call(
        self, fn: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Run ``fn`` with a session in one transaction here (the CLI, worker threads)."""
        with session_scope(self.engine) as session:
            return fn(session, *args, **kwargs)

    async def run(
        self, fn: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Run ``fn`` with a session in one transaction in a worker thread, and return its result.

        The event loop goes on meanwhile; never await Telegram inside ``fn`` (SQLite's writer
        lock is held until it returns).
        """
        return await asyncio.to_thread(self.call, fn, *args, **kwargs)

    def read_now(
        self, fn: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Run ``fn``, which only reads, in one transaction that holds no writer up (SQLite)."""
        with read_scope(self.engine) as session:
            return fn(session, *args, **kwargs)

    async def read(
        self, fn: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Run ``fn``, which only reads, in a worker thread: staff never hold residents up."""
        return await asyncio.to_thread(self.read_now, fn, *args, **kwargs)
