"""One object for database work: a function run inside one short transaction."""

import asyncio
import contextvars
import functools
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
        # SQLite takes one writer at a time anyway (storage/engine.py queues them): run them all
        # on one thread of their own, instead of several threads taking turns at that lock and
        # at the interpreter's. PostgreSQL's transactions do run side by side: the default pool.
        self._writer: ThreadPoolExecutor | None = None
        if engine.dialect.name == "sqlite":
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
            # The thread ends with the Database (tests make many), not at exit only.
            weakref.finalize(self, self._writer.shutdown, wait=False)

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
        if self._writer is None:
            return await asyncio.to_thread(self.call, fn, *args, **kwargs)
        # As asyncio.to_thread does: the caller's context (log fields) goes along.
        call = functools.partial(contextvars.copy_context().run, self.call, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._writer, call)

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
