"""Where Innspill keeps residents, their interview state and their problems (SQLModel).

``models`` defines the tables, ``queries`` is the only place that reads or writes them and
``engine`` makes engines, sessions and runs the Alembic migrations.
"""
