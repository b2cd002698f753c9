"""Workshops and what their participants answer."""

from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from flows.workshop_stats import WorkshopStats
from storage.models import (
    KEY_MAX,
    FollowUp,
    Observation,
    Problem,
    Workshop,
    WorkshopBase,
)


def add_workshop(
    session: Session,
    *,
    code: str,
    name: str,
    group: str,
    area: str,
    held_on: date,
    followups: str,
    now: datetime,
    expires_at: datetime,
) -> Workshop:
    """Validate and store a workshop; raise ValueError if the code is taken."""
    valid = WorkshopBase.model_validate(
        {
            "code": code,
            "name": name,
            "group": group,
            "area": area,
            "held_on": held_on,
            "followups": followups,
        }
    )
    workshop = Workshop(**valid.model_dump(), created_at=now, expires_at=expires_at)
    try:
        with session.begin_nested():
            session.add(workshop)
            session.flush()
    except IntegrityError:
        raise ValueError(f"the workshop code {code!r} is taken") from None
    return workshop


def get_workshop(session: Session, *, code: str) -> Workshop | None:
    """Return the workshop with this code, or None."""
    return session.exec(select(Workshop).where(Workshop.code == code)).first()


def list_workshops(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> list[WorkshopStats]:
    """Return every workshop, newest first, with its counts; with a period, only its active ones.

    With ``since`` and ``until``, participants and problems count that period only.
    """
    counting = select(
        Problem.workshop,
        func.count(col(Problem.id)),
        func.count(col(Problem.resident_id).distinct()),
    ).where(col(Problem.workshop) != "")
    if since is not None and until is not None:
        counting = counting.where(Problem.created_at >= since, Problem.created_at < until)
    problems = {
        code: (count, people)
        for code, count, people in session.exec(counting.group_by(col(Problem.workshop)))
    }
    answering = select(
        FollowUp.workshop_id,
        func.count(col(FollowUp.sent_at)),
        func.count(col(FollowUp.answered_at)),
    ).group_by(col(FollowUp.workshop_id))
    rounds = {wid: (sent, answered) for wid, sent, answered in session.exec(answering)}
    workshops = session.exec(
        select(Workshop).order_by(col(Workshop.held_on).desc(), col(Workshop.id).desc())
    )
    return [
        WorkshopStats(
            code=w.code,
            name=w.name,
            held_on=w.held_on.isoformat(),
            group=w.group,
            area=w.area,
            participants=problems.get(w.code, (0, 0))[1],
            problems=problems.get(w.code, (0, 0))[0],
            follow_ups_sent=rounds.get(w.id or 0, (0, 0))[0],
            follow_ups_answered=rounds.get(w.id or 0, (0, 0))[1],
        )
        for w in workshops
        if since is None or w.code in problems
    ]


def update_workshop(
    session: Session,
    *,
    code: str,
    group: str | None = None,
    area: str | None = None,
    held_on: date | None = None,
    expires_at: datetime | None = None,
) -> Workshop | None:
    """Change a workshop's group, area or day (the staff dialog); None if there is none."""
    workshop = get_workshop(session=session, code=code)
    if workshop is None:
        return None
    changes = {"group": group, "area": area, "held_on": held_on}
    given = {name: value for name, value in changes.items() if value is not None}
    valid = WorkshopBase.model_validate({**workshop.model_dump(), **given})
    for name in given:
        setattr(workshop, name, getattr(valid, name))
    if expires_at is not None:
        workshop.expires_at = expires_at
    session.flush()
    return workshop


def record_observation(
    session: Session,
    *,
    resident_id: int,
    follow_up_id: int,
    problem_id: int,
    recurred: bool,
    frequency: str,
    now: datetime,
) -> bool:
    """Store an answer about the resident's own problem; False if not theirs, or repeated."""
    follow_up = session.get(FollowUp, follow_up_id)
    problem = session.get(Problem, problem_id)
    if (
        follow_up is None
        or problem is None
        or follow_up.resident_id != resident_id
        or problem.resident_id != resident_id
    ):
        return False
    observation = Observation(
        problem_id=problem_id,
        follow_up_id=follow_up_id,
        recurred=recurred,
        frequency=frequency[:KEY_MAX],
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(observation)
            session.flush()
    except IntegrityError:
        return False  # answered before: the first answer stands
    follow_up.answered_at = follow_up.answered_at or now
    return True
