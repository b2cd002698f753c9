"""Themes: the assigner's model state, each problem's theme, and staff's names for them."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy
from sqlalchemy import func, or_, update
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from storage.models import (
    THEME_LABEL_MAX,
    THEME_STATE_ID,
    HiddenQuote,
    Problem,
    Resident,
    Theme,
    ThemeState,
)

Labels = Mapping[str, str] | str  # by staff language, or one label for every language


def theme_label(theme: Theme, language: str = "nb") -> str:
    """Return the label staff see: theirs if they gave one, else the automatic one."""
    automatic = (theme.labels or {}).get(language) or theme.label
    return theme.label_override or automatic or f"#{theme.id}"


def lock_theme_state(session: Session) -> ThemeState:
    """Return the theme model state row, locked to the end of the transaction.

    The snapshot is loaded only when read: a batch that does not need it must not parse it.
    """
    query = (
        select(ThemeState)
        .where(ThemeState.id == THEME_STATE_ID)
        .options(defer(ThemeState.snapshot))  # type: ignore[arg-type]  # SQLModel types it as dict
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(query).one()


def theme_revision(session: Session) -> int:
    """Return the revision of the stored theme model (no lock)."""
    query = select(ThemeState.revision).where(ThemeState.id == THEME_STATE_ID)
    return session.exec(query).one()


def write_theme_state(
    session: Session,
    *,
    now: datetime,
    seq: int | None = None,
    last_problem_id: int = 0,
    snapshot: dict[str, Any] | None = None,
) -> int:
    """Record assignments up to ``seq`` and, if given, a snapshot of everything so far.

    Return the new revision.
    """
    state = lock_theme_state(session=session)
    if seq is not None:
        state.seq = seq
    if snapshot is not None:
        state.snapshot = snapshot  # a new value: JSON columns miss in-place changes
        state.snapshot_seq = state.seq
    state.last_problem_id = max(state.last_problem_id, last_problem_id)
    state.revision += 1
    state.updated_at = now
    session.flush()
    return state.revision


def replay_problems(session: Session, *, after: int) -> list[tuple[str, str, int]]:
    """Return (text, language, theme id) of the problems assigned after ``after``, in order."""
    query = (
        select(Problem.text, Problem.language, Problem.theme_id)
        .where(col(Problem.theme_seq) > after)
        .order_by(col(Problem.theme_seq))
    )
    return [(text, language, int(theme or 0)) for text, language, theme in session.exec(query)]


def unthemed_problems(session: Session, *, limit: int) -> list[tuple[int, str, str]]:
    """Return (id, text, language) of up to ``limit`` problems without a theme, oldest id first."""
    query = (
        select(Problem.id, Problem.text, Problem.language)
        .where(col(Problem.theme_id).is_(None))
        .order_by(col(Problem.id))
        .limit(limit)
        .with_for_update()  # an erasure waits for the batch instead of racing it
    )
    return [(int(pid or 0), text, language) for pid, text, language in session.exec(query)]


def problem_texts(
    session: Session, *, since: datetime | None = None
) -> list[tuple[int, str, str]]:
    """Return (id, text, language) of every problem created since ``since``, by id."""
    query = select(Problem.id, Problem.text, Problem.language).order_by(col(Problem.id))
    if since is not None:
        query = query.where(Problem.created_at >= since)
    return [(int(pid or 0), text, language) for pid, text, language in session.exec(query)]


def problem_themes(session: Session, *, ids: Iterable[int]) -> dict[int, int | None]:
    """Return {problem id: its theme id, or None} for these problems."""
    wanted = list(ids)
    found: dict[int, int | None] = {}
    for start in range(0, len(wanted), 500):  # bounded IN lists
        query = select(Problem.id, Problem.theme_id).where(
            col(Problem.id).in_(wanted[start : start + 500])
        )
        found |= {int(pid or 0): theme for pid, theme in session.exec(query)}
    return found


_SET_THEMES_PG = sqlalchemy.text(
    "UPDATE problem SET theme_id = given.theme_id, theme_seq = given.theme_seq"
    " FROM unnest(CAST(:ids AS integer[]), CAST(:themes AS integer[]),"
    " CAST(:seqs AS integer[])) AS given (id, theme_id, theme_seq)"
    " WHERE problem.id = given.id"
)


def set_problem_themes(
    session: Session, *, themes: Mapping[int, int], seqs: Mapping[int, int] | None = None
) -> None:
    """Give each problem id its theme id, and its assignment order when ``seqs`` has it."""
    if themes and session.get_bind().dialect.name == "postgresql":
        # One statement, not one per problem: PostgreSQL's weekly sums (migration 0022) are
        # then added up once per batch, their rows locked in one order.
        ids = sorted(themes)
        given = {"ids": ids, "themes": [themes[i] for i in ids]}
        session.execute(_SET_THEMES_PG, {**given, "seqs": [(seqs or {}).get(i) for i in ids]})
    elif themes:
        rows = [
            {"id": pid, "theme_id": theme, "theme_seq": (seqs or {}).get(pid)}
            for pid, theme in themes.items()
        ]
        session.execute(update(Problem), rows)


def clear_problem_themes(session: Session, *, ids: Iterable[int]) -> None:
    """Hand these problems back to the theme assigner."""
    chunk: list[int] = []
    for problem_id in ids:
        chunk.append(problem_id)
        if len(chunk) == 500:  # bounded IN lists
            _unthemed(session, chunk)
            chunk = []
    if chunk:
        _unthemed(session, chunk)


def _unthemed(session: Session, ids: list[int]) -> None:
    statement = update(Problem).where(col(Problem.id).in_(ids))
    session.exec(statement.values(theme_id=None, theme_seq=None))


def store_themes(session: Session, *, labels: Mapping[int, Labels], now: datetime) -> None:
    """Create the themes not stored yet and refresh the automatic labels of each."""
    known = {t.id: t for t in session.exec(select(Theme).where(col(Theme.id).in_(labels)))}
    for theme_id, given in labels.items():
        by_language = {"nb": given} if isinstance(given, str) else dict(given)
        shown = {code: text[:THEME_LABEL_MAX] for code, text in by_language.items()}
        label = shown.get("nb") or next(iter(shown.values()), "")
        if theme_id in known:
            known[theme_id].label, known[theme_id].labels = label, shown  # a new value: JSON
        else:
            session.add(Theme(id=theme_id, label=label, labels=shown, created_at=now))
    session.flush()


def get_theme(session: Session, *, theme_id: int) -> Theme | None:
    """Return the theme with this id, or None."""
    return session.get(Theme, theme_id)


def max_theme_id(session: Session) -> int:
    """Return the highest theme id ever stored (0 if none)."""
    return int(session.exec(select(func.max(Theme.id))).one() or 0)


def theme_counts(session: Session) -> list[tuple[Theme, int]]:
    """Return each theme that holds problems with how many, the largest first."""
    count = func.count(col(Problem.id))
    query = (
        select(Theme, count)
        .join(Problem, col(Problem.theme_id) == col(Theme.id))
        .group_by(col(Theme.id))
        .order_by(count.desc(), col(Theme.id))
    )
    return [(theme, int(n)) for theme, n in session.exec(query)]


def theme_members(session: Session, *, theme_id: int) -> list[tuple[int, str, str]]:
    """Return (id, text, language) of a theme's problems whose words may be quoted, by id.

    Quotes staff hid and the reports of residents staff blocked are left out.
    """
    blocked = select(Resident.id).where(col(Resident.blocked_at).is_not(None))
    query = (
        select(Problem.id, Problem.text, Problem.language)
        .where(Problem.theme_id == theme_id)
        .where(col(Problem.id).not_in(select(HiddenQuote.problem_id)))
        .where(or_(col(Problem.resident_id).is_(None), col(Problem.resident_id).not_in(blocked)))
        .order_by(col(Problem.id))
    )
    return [(int(pid or 0), text, language) for pid, text, language in session.exec(query)]


def withheld_members(
    session: Session, *, theme_ids: Iterable[int], moving: Mapping[int, int] | None = None
) -> dict[int, list[tuple[str, str]]]:
    """Return per theme the (text, language) of members whose words must not show in a label.

    ``moving`` ({problem id: theme id}) places problems that are joining a theme in this
    transaction. Moderation is rare: every withheld problem is read, then placed.
    """
    wanted = set(theme_ids)
    # IN (subquery): the few hidden or blocked rows lead, not a scan of every problem.
    columns = select(Problem.id, Problem.theme_id, Problem.text, Problem.language)
    hidden = columns.where(col(Problem.id).in_(select(HiddenQuote.problem_id)))
    blocked_ids = select(Resident.id).where(col(Resident.blocked_at).is_not(None))
    blocked = columns.where(col(Problem.resident_id).in_(blocked_ids))
    rows = {row[0]: row for query in (hidden, blocked) for row in session.exec(query)}
    found: dict[int, list[tuple[str, str]]] = {}
    for pid, theme, text, language in (rows[key] for key in sorted(rows, key=lambda k: k or 0)):
        placed = (moving or {}).get(int(pid or 0), theme)
        if placed in wanted:
            found.setdefault(placed, []).append((text, language))
    return found


def rename_theme(session: Session, *, theme_id: int, label: str) -> bool:
    """Give a theme the label staff chose ("" returns to the automatic one); False if unknown."""
    if len(label) > THEME_LABEL_MAX:
        raise ValueError(f"a theme label has at most {THEME_LABEL_MAX} characters")
    theme = session.get(Theme, theme_id)
    if theme is None:
        return False
    theme.label_override = label.strip()
    return True


def merge_themes(session: Session, *, keep: int, absorb: int) -> int:
    """Move every problem of theme ``absorb`` to ``keep``; return how many moved."""
    moved = session.exec(
        update(Problem).where(col(Problem.theme_id) == absorb).values(theme_id=keep)
    )
    session.exec(update(Theme).where(col(Theme.id) == absorb).values(merged_into=keep))
    return int(moved.rowcount or 0)
