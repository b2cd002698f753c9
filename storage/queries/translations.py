"""Machine translations kept so each is asked for once: problems for staff, notes for residents."""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import NoteTranslation, Translation


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


def note_translations(session: Session, *, notes: Iterable[str], target: str) -> dict[str, str]:
    """Return {note: its translation into ``target``} of the staff notes already translated."""
    wanted = {text_hash(note): note for note in notes if note}
    hashes = list(wanted)
    found: dict[str, str] = {}
    for start in range(0, len(hashes), 500):  # bounded IN lists
        query = select(NoteTranslation).where(
            col(NoteTranslation.source_hash).in_(hashes[start : start + 500]),
            NoteTranslation.target == target,
        )
        found |= {wanted[row.source_hash]: row.text for row in session.exec(query)}
    return found


def store_note_translation(
    session: Session, *, note: str, target: str, text: str, now: datetime
) -> None:
    """Keep a staff note's translation into ``target`` (a second writer's copy is kept)."""
    key = (text_hash(note), target)
    if session.get(NoteTranslation, key) is None:
        session.add(NoteTranslation(source_hash=key[0], target=target, text=text, created_at=now))
        session.flush()
