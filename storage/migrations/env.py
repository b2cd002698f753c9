"""Alembic environment: migrate through the connection (or URL) in ``config.attributes``.

``storage.engine.upgrade_database`` passes a connection. To write a new revision::

    from alembic import command
    from storage.engine import alembic_config, make_engine

    with make_engine(url).begin() as connection:
        command.revision(alembic_config(connection), "what changed", autogenerate=True)

then review the file it writes under ``versions/`` by hand.
"""

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection
from sqlmodel import SQLModel

from storage import models
from storage.engine import for_dialect, make_engine

config = context.config
target_metadata = SQLModel.metadata


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # A migration must not import our models: changing UTCDateTime would then rewrite history.
    if type_ == "type" and isinstance(obj, models.UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(dialect: str, **kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        include_object=for_dialect(dialect),
        render_item=_render_item,
        compare_type=True,
        **kwargs,
    )


def _run_online(connection: Connection) -> None:
    # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
    dialect = connection.dialect.name
    _configure(dialect, connection=connection, render_as_batch=dialect == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    connection = config.attributes.get("connection")
    url = config.attributes.get("url")
    if context.is_offline_mode():
        if not url:
            raise RuntimeError("offline migrations need config.attributes['url']")
        dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        _configure(dialect, url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"))
        with context.begin_transaction():
            context.run_migrations()
    elif connection is not None:
        _run_online(connection)
    elif url:
        engine = make_engine(url)
        try:
            with engine.begin() as new_connection:
                _run_online(new_connection)
        finally:
            engine.dispose()
    else:
        raise RuntimeError(
            "no database given: pass config.attributes['connection'] (see storage.engine)"
        )


_run()
