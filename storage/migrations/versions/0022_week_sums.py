"""Keep the problems' sums per week on PostgreSQL, so a year's overview adds weeks up.

A year's overview and themes table passed over the year's half a million problems (at a
million stored) once for the theme sums, once for each theme's groups and once for the
segments: 1.5 s of the database's CPU of 2.3 per page. These tables hold the same sums per
UTC week (Monday 00:00 UTC) and theme, or per week and segment; a view then adds up its whole
weeks from them and counts only the days at its two ends from the problems
(``storage/queries/weekly.py``). Distinct counts (residents, areas) cannot be added up and
are still counted from the problems.

The database keeps the sums exact itself: statement-level triggers on ``problem`` add what
each INSERT, UPDATE or DELETE changed (from its transition tables), so every write path (the
bot's save, imports, theme assignment, merges, moves, erasure, deletion, a transfer) is
counted without knowing of them; a TRUNCATE empties them. An UPDATE that changes no summed
column writes nothing. Rows are written in key order, so concurrent writers lock in one order.
Building them reads every stored problem once (a few seconds per million). SQLite gets
nothing here: it counts its 100,000 problems within the workspace's 300 ms.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-28 03:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The frequencies ``flows.priority.PER_YEAR`` rates, counted apart: the rates live in the code.
FREQUENCIES = ("daily", "weekly", "monthly", "few_times_year", "rarely")
_WEEK = "date_trunc('week', d.created_at, 'UTC')"

_TABLES = (
    f"""
CREATE TABLE theme_week (
    week timestamptz NOT NULL,
    theme_id integer NOT NULL,
    problems bigint NOT NULL,
    anonymous bigint NOT NULL,
    erased bigint NOT NULL,
    notes bigint NOT NULL,
    severity_total bigint NOT NULL,
    rated bigint NOT NULL,
    {", ".join(f"{key} bigint NOT NULL" for key in FREQUENCIES)},
    CONSTRAINT pk_theme_week PRIMARY KEY (week, theme_id)
)""",
    """
CREATE TABLE theme_week_group (
    week timestamptz NOT NULL,
    theme_id integer NOT NULL,
    grp text NOT NULL,
    problems bigint NOT NULL,
    CONSTRAINT pk_theme_week_group PRIMARY KEY (week, theme_id, grp)
)""",
    """
CREATE TABLE segment_week (
    week timestamptz NOT NULL,
    area text NOT NULL,
    groups text NOT NULL,
    language text NOT NULL,
    source text NOT NULL,
    problems bigint NOT NULL,
    CONSTRAINT pk_segment_week PRIMARY KEY (week, area, groups, language, source)
)""",
)


def _count(condition: str) -> str:
    return f"sum(CASE WHEN {condition} THEN d.sign ELSE 0 END)"


def _added(table: str, keys: dict[str, str], sums: dict[str, str], source: str) -> str:
    """Return the statement adding to ``table`` the sums of ``{rows}`` by ``keys``.

    A key whose sums all come to 0 is left alone: an UPDATE's old rows (-1) and new rows (+1)
    cancel out where it changed nothing summed. Grouped, not joined by id: PL/pgSQL keeps the
    plan made for the first (often one-row) statement, and a join planned for one row took
    seconds for a thousand.
    """
    names = [*keys, *sums]
    inner = ", ".join(f"{expression} AS {name}" for name, expression in {**keys, **sums}.items())
    changed = f"({', '.join(sums)}) <> ({', '.join('0' for _ in sums)})"
    if len(sums) == 1:
        changed = f"{next(iter(sums))} <> 0"
    return (
        f"INSERT INTO {table} AS t ({', '.join(names)})\n"  # noqa: S608 - constants only
        f"SELECT {', '.join(names)} FROM (\n"
        f"SELECT {inner}\nFROM ({{rows}}) AS d {source}\n"
        f"GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}\n"
        f") AS s WHERE {changed}\nORDER BY {', '.join(keys)}\n"
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
        + ", ".join(f"{c} = t.{c} + excluded.{c}" for c in sums)
    )


_THEME_WEEK = _added(
    "theme_week",
    {"week": _WEEK, "theme_id": "d.theme_id"},
    {
        "problems": "sum(d.sign)",
        "anonymous": _count("d.resident_id IS NULL"),
        "erased": _count("d.resident_id IS NULL AND d.source <> 'import'"),
        "notes": _count("d.source = 'import'"),
        "severity_total": "sum(d.sign * coalesce(d.severity, 0))",
        "rated": _count("d.severity IS NOT NULL"),
        **{key: _count(f"d.frequency = '{key}'") for key in FREQUENCIES},
    },
    "WHERE d.theme_id IS NOT NULL",
)
_THEME_WEEK_GROUP = _added(
    "theme_week_group",
    {"week": _WEEK, "theme_id": "d.theme_id", "grp": "g.grp"},
    {"problems": "sum(d.sign)"},
    "CROSS JOIN LATERAL json_array_elements_text(\n"
    "    CASE WHEN json_typeof(d.groups) = 'array' THEN d.groups ELSE '[]'::json END\n"
    ") AS g (grp)\nWHERE d.theme_id IS NOT NULL AND g.grp IS NOT NULL",
)
_SEGMENT_WEEK = _added(
    "segment_week",
    {
        "week": _WEEK,
        "area": "d.area",
        "groups": "d.groups::text",
        "language": "d.language",
        "source": "d.source",
    },
    {"problems": "sum(d.sign)"},
    "",
)
_COLUMNS = "created_at, theme_id, resident_id, source, severity, frequency, groups, area, language"


def _function(name: str, body: str) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{body}\nRETURN NULL;\nEND\n$$;"
    )


def _statements() -> list[str]:
    inserted = "SELECT 1 AS sign, " + _COLUMNS + " FROM new_rows"  # noqa: S608
    stored = "SELECT 1 AS sign, " + _COLUMNS + " FROM problem"  # noqa: S608
    deleted = "SELECT -1 AS sign, " + _COLUMNS + " FROM old_rows"  # noqa: S608
    updated = f"{deleted} UNION ALL {inserted}"
    # Each table in the same order, so two writers never wait for each other crosswise.
    tables = (_THEME_WEEK, _THEME_WEEK_GROUP, _SEGMENT_WEEK)
    each = {
        "inserted": ";\n".join(t.format(rows=inserted) for t in tables) + ";",
        "deleted": ";\n".join(t.format(rows=deleted) for t in tables) + ";",
        "updated": ";\n".join(t.format(rows=updated) for t in tables) + ";",
        "truncated": "TRUNCATE theme_week, theme_week_group, segment_week;",
    }
    return [
        *_TABLES,
        *(_function(f"week_sums_{event}", body) for event, body in each.items()),
        "CREATE TRIGGER week_sums_inserted AFTER INSERT ON problem"
        " REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION week_sums_inserted()",
        "CREATE TRIGGER week_sums_updated AFTER UPDATE ON problem"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION week_sums_updated()",
        "CREATE TRIGGER week_sums_deleted AFTER DELETE ON problem"
        " REFERENCING OLD TABLE AS old_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION week_sums_deleted()",
        "CREATE TRIGGER week_sums_truncated AFTER TRUNCATE ON problem"
        " FOR EACH STATEMENT EXECUTE FUNCTION week_sums_truncated()",
        # After the triggers: creating them locks out writers until the migration commits, so
        # no problem is saved between the count of the stored ones and the first trigger.
        *(t.format(rows=stored) for t in tables),
    ]


def upgrade() -> None:
    """Upgrade the schema."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for statement in _statements():
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    """Downgrade the schema."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for event in ("inserted", "updated", "deleted", "truncated"):
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS week_sums_{event} ON problem")
        bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS week_sums_{event}()")
    bind.exec_driver_sql("DROP TABLE IF EXISTS theme_week, theme_week_group, segment_week")
