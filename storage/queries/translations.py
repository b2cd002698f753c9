"""Machine translations of problems into staff languages, kept so each is asked for once."""

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Translation


def text_hash(text: str) -> str:
    """Return the SHA-256 of ``text``: a translation of another text is never reused."""
    return hashlib.sha256(text.encode()).hexdigest()


def cached_translations(
    session: Session, *, problems: Sequence[tuple[int, str]], target: str
) -> dict[int, str]:
    """Return {problem id: translation into ``target``} of the (id, text) pairs already known."""
    wanted = {problem_id: text_hash(text) for problem_id, text in problems}
    found: dict[int, str] = {}
    ids = list(wanted)
    for start in range(0, len(ids), 500):  # bounded IN lists
        query = select(Translation).where(
            col(Translation.problem_id).in_(ids[start : start + 500]),
            Translation.target == target,
        )
        for row in session.exec(query):
            if wanted[row.problem_id] == row.source_hash:
                found[row.problem_id] = row.text
    return found


def store_translations(
    session: Session,
    *,
    translations: Mapping[int, tuple[str, str]],
    target: str,
    now: datetime,
) -> None:
    """Keep {problem id: (original, translation)} into ``target``, replacing older ones."""
    for problem_id, (original, translated) in translations.items():
        row = session.get(Translation, (problem_id, target))
        if row is None:
            row = Translation(
                problem_id=problem_id, target=target, source_hash="", text="", created_at=now
            )
            session.add(row)
        row.source_hash, row.text, row.created_at = text_hash(original), translated, now
    session.flush()
