"""Theme use cases shared by the command line, Telegram and the web: list, rename, merge, rebuild.

Each runs in one transaction that locks the theme state row, so it is serialised with the
assigner (``bot.jobs.themes``) and with each other; the model is the stored snapshot plus the
assignments made since, repeated exactly.
"""

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows.privacy import mask_personal_data
from flows.quotes import staff_quote
from flows.theme_labels import labels, representative
from flows.theme_rebuild import rebuild, successors
from flows.themes import ThemeModel, ThemeParams, assign, merge
from storage import queries
from storage.engine import session_scope
from storage.models import ThemeState

log = logging.getLogger(__name__)
QUOTES = 3
QUOTE_CHARS = 200


def load_model(snapshot: Mapping[str, Any] | None) -> ThemeModel:
    """Return the model stored as ``snapshot``, or an empty one."""
    return ThemeModel.from_dict(snapshot) if snapshot else ThemeModel()


def current_model(session: Session, state: ThemeState) -> ThemeModel:
    """Return the model as of ``state``: its snapshot with the later assignments repeated."""
    model = load_model(state.snapshot)
    for text, language, theme_id in queries.replay_problems(
        session=session, after=state.snapshot_seq
    ):
        model, assignment = assign(model, text, language)
        if assignment.theme_id != theme_id:  # a problem erased meanwhile: close enough
            log.debug("replay put a problem in theme %s, stored %s", assignment.theme_id, theme_id)
    return model


def theme_labels(
    session: Session,
    model: ThemeModel,
    theme_ids: Iterable[int],
    *,
    moving: Mapping[int, int] | None = None,
) -> dict[int, dict[str, str]]:
    """Label these themes without the words of quotes staff hid (or of blocked residents).

    ``moving`` ({problem id: theme id}) are problems joining a theme in this transaction.
    """
    ids = sorted(set(theme_ids))
    withheld = queries.withheld_members(session=session, theme_ids=ids, moving=moving)
    return {theme_id: labels(model, theme_id, withheld.get(theme_id, ())) for theme_id in ids}


def relabel(session: Session, *, theme_id: int, now: datetime) -> None:
    """Label a theme again after staff hid or showed one of its quotes (if the model has it)."""
    model = current_model(session, queries.lock_theme_state(session=session))
    if theme_id in {theme.id for theme in model.themes}:
        named = theme_labels(session, model, [theme_id])
        queries.store_themes(session=session, labels=named, now=now)


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a rebuild did: how many problems it grouped into how many themes."""

    problems: int
    themes: int


def rebuild_themes(
    engine: Engine,
    *,
    now: datetime,
    since: datetime | None = None,
    params: ThemeParams | None = None,
) -> Rebuilt:
    """Re-cluster the problems created since ``since`` (all by default) from scratch.

    New themes get new ids, so staff labels of old themes never stick to other problems; older
    problems keep their themes. A new theme takes over the status, history and public flag of
    the old theme most of its problems came from (``flows.theme_rebuild.successors``). The
    clustering runs outside any transaction: problems saved meanwhile are handed back to the
    assigner instead of being locked out.
    """
    with session_scope(engine) as session:
        rows = queries.problem_texts(session=session, since=since)
    model, ids = rebuild([(text, language) for _, text, language in rows], params)
    with session_scope(engine) as session:
        queries.lock_theme_state(session=session)
        offset = queries.max_theme_id(session=session)
        model = _renumbered(model, offset)
        chosen = {row[0]: theme_id + offset for row, theme_id in zip(rows, ids, strict=True)}
        before = queries.problem_themes(session=session, ids=chosen)
        named = theme_labels(session, model, [t.id for t in model.themes], moving=chosen)
        queries.store_themes(session=session, labels=named, now=now)
        queries.set_problem_themes(session=session, themes=chosen)
        heirs = successors((before.get(pid), theme) for pid, theme in chosen.items())
        queries.carry_statuses(session=session, successors=heirs)
        late = [row[0] for row in queries.problem_texts(session=session, since=since)]
        queries.clear_problem_themes(session=session, ids=[i for i in late if i not in chosen])
        queries.write_theme_state(
            session=session,
            now=now,
            last_problem_id=max(chosen, default=0),
            snapshot=model.to_dict(),
        )
    return Rebuilt(len(rows), len(model.themes))


def _renumbered(model: ThemeModel, offset: int) -> ThemeModel:
    themes = tuple(replace(theme, id=theme.id + offset) for theme in model.themes)
    return ThemeModel(
        themes, model.documents, model.frequencies, model.next_id + offset, model.params
    )


@dataclass(frozen=True, slots=True)
class ThemeSummary:
    """A theme as staff see it: its label, how many problems it holds, a few of their words."""

    id: int
    label: str
    count: int
    quotes: tuple[str, ...]


def summaries(
    engine: Engine, *, limit: int = 20, quotes: int = QUOTES, language: str = "nb"
) -> list[ThemeSummary]:
    """Return the largest themes, labelled in ``language``, with up to ``quotes`` quotes each."""
    with session_scope(engine) as session:
        model = current_model(session, queries.lock_theme_state(session=session))
        counted = queries.theme_counts(session=session)[:limit]
        members = {t.id: queries.theme_members(session=session, theme_id=t.id) for t, _ in counted}
    return [
        ThemeSummary(
            t.id,
            mask_personal_data(queries.theme_label(t, language)),
            n,
            _quotes(model, t.id, members[t.id], quotes),
        )
        for t, n in counted
    ]


def _quotes(
    model: ThemeModel, theme_id: int, members: Sequence[tuple[int, str, str]], limit: int
) -> tuple[str, ...]:
    pairs = [(text, language) for _, text, language in members]
    try:
        picked = representative(model, theme_id, pairs, limit)
    except KeyError:  # a theme a later rebuild left out of the model: its oldest words
        picked = list(range(min(limit, len(pairs))))
    # Mask before shortening: a cut number could slip past the masker.
    return tuple(_short(staff_quote(pairs[i][0])) for i in picked)


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE_CHARS else flat[: QUOTE_CHARS - 1].rstrip() + "…"


def rename_theme(engine: Engine, theme_id: int, text: str) -> bool:
    """Give a theme the label staff chose; False if there is no such theme."""
    with session_scope(engine) as session:
        return queries.rename_theme(session=session, theme_id=theme_id, label=text)


class MergeRefused(ValueError):
    """A merge that cannot be done: the message says why, in words staff understand."""


def merge_themes(engine: Engine, *, keep: int, absorb: int, now: datetime) -> int:
    """Move every problem of ``absorb`` into ``keep``, nothing deleted; return how many moved."""
    with session_scope(engine) as session:
        return merge_in(session, keep=keep, absorb=absorb, now=now)


def merge_in(session: Session, *, keep: int, absorb: int, now: datetime) -> int:
    """Merge as ``merge_themes`` does, inside the caller's transaction (the web logs it too)."""
    if keep == absorb:
        raise MergeRefused("a theme cannot absorb itself")
    state = queries.lock_theme_state(session=session)
    for theme_id in (keep, absorb):
        theme = queries.get_theme(session=session, theme_id=theme_id)
        if theme is None:
            raise MergeRefused(f"there is no theme {theme_id}")
        if theme.merged_into is not None:
            raise MergeRefused(f"theme {theme_id} was merged into {theme.merged_into}")
    model = current_model(session, state)  # before the move: the replay sees what was
    moved = queries.merge_themes(session=session, keep=keep, absorb=absorb)
    known = {theme.id for theme in model.themes}
    if absorb in known:
        if keep in known:
            model = merge(model, keep, absorb)
        else:  # ``keep`` predates the last rebuild: it takes over the live theme
            themes = (replace(t, id=keep) if t.id == absorb else t for t in model.themes)
            model = replace(model, themes=tuple(themes), index=None)
        named = theme_labels(session, model, [keep])  # the problems moved already
        queries.store_themes(session=session, labels=named, now=now)
        queries.write_theme_state(session=session, now=now, snapshot=model.to_dict())
    return moved
