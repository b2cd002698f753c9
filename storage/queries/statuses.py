"""Statuses of themes and problems: changes with their history, who is told, what is public.

A target is a theme (``theme_id``) or a single problem (``problem_id``); its status is its
latest change, *received* when it has none. A problem's own status, when staff gave one, wins
over its theme's.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func
from sqlmodel import Session, col, select

from flows.status import RECEIVED, ProblemStatus
from storage.models import (
    CHANGED_BY_MAX,
    Endorsement,
    Problem,
    PublicTheme,
    Resident,
    StatusChange,
    StatusNotice,
    Theme,
)
from storage.queries.themes import theme_label


@dataclass(frozen=True, slots=True)
class Target:
    """What a status belongs to: exactly one of a theme and a problem."""

    theme_id: int | None = None
    problem_id: int | None = None

    def __post_init__(self) -> None:
        if (self.theme_id is None) == (self.problem_id is None):
            raise ValueError("a status belongs to a theme or a problem, not both or neither")

    def where(self, table: type[StatusChange] | type[StatusNotice]) -> ColumnElement[bool]:
        """Return the condition selecting this target's rows of ``table``."""
        if self.theme_id is not None:
            return col(table.theme_id) == self.theme_id
        return col(table.problem_id) == self.problem_id


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a status change of one target reaches: per resident, their reports and "me too"s."""

    reports: dict[int, tuple[int, ...]]
    endorsed: dict[int, tuple[int, ...]]

    @property
    def residents(self) -> set[int]:
        """Return every resident to tell."""
        return set(self.reports) | set(self.endorsed)


def target_exists(session: Session, *, target: Target) -> bool:
    """Tell whether the theme (not merged away) or the problem exists."""
    if target.problem_id is not None:
        return session.get(Problem, target.problem_id) is not None
    theme = session.get(Theme, target.theme_id)
    return theme is not None and theme.merged_into is None


def add_status_change(
    session: Session,
    *,
    target: Target,
    status: str,
    note: str,
    note_language: str,
    changed_by: str,
    now: datetime,
) -> StatusChange:
    """Record a status change (checked by ``flows.status.check_change`` before)."""
    change = StatusChange(
        theme_id=target.theme_id,
        problem_id=target.problem_id,
        status=status,
        note=note,
        note_language=note_language,
        changed_by=changed_by[:CHANGED_BY_MAX],
        created_at=now,
    )
    session.add(change)
    session.flush()
    return change


def current_status(session: Session, *, target: Target) -> StatusChange | None:
    """Return the latest change of a target, or None while it is still received."""
    query = (
        select(StatusChange)
        .where(target.where(StatusChange))
        .order_by(col(StatusChange.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def status_history(session: Session, *, target: Target) -> list[StatusChange]:
    """Return every change of a target, oldest first (who, when, note)."""
    query = select(StatusChange).where(target.where(StatusChange)).order_by(col(StatusChange.id))
    return list(session.exec(query))


def audience(session: Session, *, target: Target) -> Audience:
    """Return the residents who agreed to hear back and reported or endorsed in the target."""
    agreed = and_(col(Resident.hear_back_version) >= 1, col(Resident.chat_id).is_not(None))
    in_target = (
        col(Problem.theme_id) == target.theme_id
        if target.theme_id is not None
        else col(Problem.id) == target.problem_id
    )
    own = (
        select(Problem.resident_id, Problem.id)
        .join(Resident, col(Resident.id) == col(Problem.resident_id))
        .where(in_target, agreed)
        .order_by(col(Problem.id))
    )
    endorsed = (
        select(Endorsement.resident_id, Endorsement.problem_id)
        .join(Problem, col(Problem.id) == col(Endorsement.problem_id))
        .join(Resident, col(Resident.id) == col(Endorsement.resident_id))
        .where(in_target, agreed)
        .order_by(col(Endorsement.problem_id))
    )
    return Audience(_grouped(session.exec(own)), _grouped(session.exec(endorsed)))


def resident_audience(session: Session, *, target: Target, resident_id: int) -> Audience:
    """Return one resident's reports and "me too"s in the target (consent not checked)."""
    in_target = (
        col(Problem.theme_id) == target.theme_id
        if target.theme_id is not None
        else col(Problem.id) == target.problem_id
    )
    own = select(Problem.resident_id, Problem.id).where(
        in_target, col(Problem.resident_id) == resident_id
    )
    endorsed = (
        select(Endorsement.resident_id, Endorsement.problem_id)
        .join(Problem, col(Problem.id) == col(Endorsement.problem_id))
        .where(in_target, col(Endorsement.resident_id) == resident_id)
    )
    return Audience(
        _grouped(session.exec(own.order_by(col(Problem.id)))),
        _grouped(session.exec(endorsed.order_by(col(Endorsement.problem_id)))),
    )


def _grouped(rows: Iterable[tuple[int | None, int | None]]) -> dict[int, tuple[int, ...]]:
    found: dict[int, list[int]] = {}
    for resident_id, problem_id in rows:
        if resident_id is not None and problem_id is not None:
            found.setdefault(resident_id, []).append(problem_id)
    return {resident: tuple(ids) for resident, ids in found.items()}


def status_of_problems(
    session: Session, *, problem_ids: Iterable[int]
) -> dict[int, ProblemStatus]:
    """Return the current status of each problem: its own if staff gave one, else its theme's."""
    ids = list(dict.fromkeys(problem_ids))
    found: dict[int, ProblemStatus] = {}
    for start in range(0, len(ids), 500):  # bounded IN lists
        chunk = ids[start : start + 500]
        rows = session.exec(
            select(Problem.id, Problem.text, Problem.theme_id).where(col(Problem.id).in_(chunk))
        ).all()
        own = _latest(session, col(StatusChange.problem_id), chunk)
        themes = _latest(session, col(StatusChange.theme_id), [t for _, _, t in rows if t])
        for problem_id, text, theme_id in rows:
            assert problem_id is not None
            change = own.get(problem_id) or (themes.get(theme_id) if theme_id else None)
            found[problem_id] = _problem_status(problem_id, text, change)
    return found


def _latest(session: Session, column: object, ids: list[int]) -> dict[int, StatusChange]:
    """Return the latest change for each id of ``column`` (problem_id or theme_id)."""
    if not ids:
        return {}
    newest = (
        select(func.max(StatusChange.id))
        .where(column.in_(ids))  # type: ignore[attr-defined]
        .group_by(column)  # type: ignore[arg-type]
    )
    changes = session.exec(select(StatusChange).where(col(StatusChange.id).in_(newest)))
    key = "problem_id" if column is col(StatusChange.problem_id) else "theme_id"
    return {getattr(change, key): change for change in changes}


def _problem_status(problem_id: int, text: str, change: StatusChange | None) -> ProblemStatus:
    if change is None:
        return ProblemStatus(problem_id, text, RECEIVED, "", "", None)
    return ProblemStatus(
        problem_id, text, change.status, change.note, change.note_language, change.created_at
    )


def resident_statuses(session: Session, *, resident_id: int) -> list[ProblemStatus]:
    """Return each of the resident's reports with its current status, oldest first."""
    ids = session.exec(
        select(Problem.id).where(Problem.resident_id == resident_id).order_by(col(Problem.id))
    ).all()
    statuses = status_of_problems(session=session, problem_ids=[i for i in ids if i is not None])
    return [statuses[i] for i in ids if i is not None and i in statuses]


def set_public(session: Session, *, theme_id: int, public: bool, now: datetime) -> bool:
    """Show (or hide) a theme on the public results page; False if there is no such theme."""
    if session.get(Theme, theme_id) is None:
        return False
    row = session.get(PublicTheme, theme_id)
    if public and row is None:
        session.add(PublicTheme(theme_id=theme_id, published_at=now))
    elif not public and row is not None:
        session.delete(row)
    session.flush()
    return True


def theme_statuses(session: Session, *, theme_ids: Iterable[int]) -> dict[int, str]:
    """Return the current status of each of these themes (*received* when never changed)."""
    ids = list(dict.fromkeys(theme_ids))
    found = dict.fromkeys(ids, RECEIVED)
    for start in range(0, len(ids), 500):  # bounded IN lists
        latest = _latest(session, col(StatusChange.theme_id), ids[start : start + 500])
        found |= {theme_id: change.status for theme_id, change in latest.items()}
    return found


def is_public(session: Session, *, theme_id: int) -> bool:
    """Tell whether staff show this theme on the public results page."""
    return session.get(PublicTheme, theme_id) is not None


@dataclass(frozen=True, slots=True)
class PublicResult:
    """A theme as the public results page shows it: no quotes, nothing about anyone."""

    theme_id: int
    label: str
    count: int
    status: str
    note: str
    note_language: str


def public_results(session: Session) -> list[PublicResult]:
    """Return the themes staff made public, the largest first, with their current status."""
    count = func.count(col(Problem.id))
    query = (
        select(Theme, count)
        .join(PublicTheme, col(PublicTheme.theme_id) == col(Theme.id))
        .outerjoin(Problem, col(Problem.theme_id) == col(Theme.id))
        .where(col(Theme.merged_into).is_(None))
        .group_by(col(Theme.id))
        .order_by(count.desc(), col(Theme.id))
    )
    rows = list(session.exec(query))
    latest = _latest(session, col(StatusChange.theme_id), [theme.id for theme, _ in rows])
    results = []
    for theme, n in rows:
        change = latest.get(theme.id)
        results.append(
            PublicResult(
                theme.id,
                theme_label(theme),
                int(n),
                change.status if change else RECEIVED,
                change.note if change else "",
                change.note_language if change else "",
            )
        )
    return results


def statuses_of_resident(
    session: Session, *, pseudonym: str
) -> tuple[str, list[ProblemStatus]] | None:
    """Return the language and report statuses of the resident with this pseudonym, if known."""
    resident = session.exec(select(Resident).where(Resident.pseudonym == pseudonym)).first()
    if resident is None or resident.id is None:
        return None
    return resident.language, resident_statuses(session=session, resident_id=resident.id)


def current_notes(session: Session, *, limit: int = 100) -> list[tuple[str, str]]:
    """Return (note, its language) of the newest current statuses that carry a note."""
    newest = select(func.max(StatusChange.id)).group_by(
        col(StatusChange.theme_id), col(StatusChange.problem_id)
    )
    query = (
        select(StatusChange.note, StatusChange.note_language)
        .where(col(StatusChange.id).in_(newest), col(StatusChange.note) != "")
        .order_by(col(StatusChange.id).desc())
        .limit(limit)
    )
    return list(dict.fromkeys((note, language) for note, language in session.exec(query)))


def carry_statuses(session: Session, *, successors: Mapping[int, int]) -> int:
    """Give each new theme the status history and public flag of the old theme it takes over.

    ``successors`` is {new theme: old theme} (``flows.theme_rebuild.successors``), read after
    the problems moved. The history is copied, each copy naming the change it repeats
    (``carried_from``): no news is owed for it, and the digest does not count it again. Unsent
    news of an old theme follows the resident's reports to their new theme; an old theme left
    without problems leaves the results page. Return how many new themes inherited a status.
    """
    olds = sorted(set(successors.values()))
    if not olds:
        return 0
    history: dict[int, list[StatusChange]] = {}
    query = select(StatusChange).where(col(StatusChange.theme_id).in_(olds))
    for change in session.exec(query.order_by(col(StatusChange.id))):
        history.setdefault(change.theme_id or 0, []).append(change)
    public = {row.theme_id: row.published_at for row in _public_rows(session, olds)}
    for new, old in sorted(successors.items()):
        for change in history.get(old, ()):
            session.add(
                StatusChange(
                    theme_id=new,
                    status=change.status,
                    note=change.note,
                    note_language=change.note_language,
                    changed_by=change.changed_by,
                    created_at=change.created_at,
                    carried_from=change.carried_from or change.id,
                )
            )
            session.flush()  # in order: the latest copy is the current status
        if old in public and session.get(PublicTheme, new) is None:
            session.add(PublicTheme(theme_id=new, published_at=public[old]))
    _follow_reports(session, successors)
    emptied = [old for old in public if _problem_count(session, old) == 0]
    if emptied:
        session.exec(delete(PublicTheme).where(col(PublicTheme.theme_id).in_(emptied)))
    session.flush()
    return sum(1 for old in successors.values() if history.get(old))


def _public_rows(session: Session, theme_ids: list[int]) -> list[PublicTheme]:
    return list(session.exec(select(PublicTheme).where(col(PublicTheme.theme_id).in_(theme_ids))))


def _problem_count(session: Session, theme_id: int) -> int:
    query = select(func.count()).select_from(Problem).where(col(Problem.theme_id) == theme_id)
    return int(session.exec(query).one())


def _follow_reports(session: Session, successors: Mapping[int, int]) -> None:
    """Move unsent news of an old theme to the new theme that holds the resident's reports."""
    heirs: dict[int, list[int]] = {}
    for new, old in sorted(successors.items()):
        heirs.setdefault(old, []).append(new)
    pending = select(StatusNotice).where(
        col(StatusNotice.theme_id).in_(list(heirs)), col(StatusNotice.sent_at).is_(None)
    )
    for notice in session.exec(pending).all():
        for new in heirs[notice.theme_id or 0]:
            found = resident_audience(
                session=session, target=Target(theme_id=new), resident_id=notice.resident_id
            )
            if found.residents:
                notice.theme_id = new
                session.add(notice)
                break
