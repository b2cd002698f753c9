"""Others' problems close to a resident's own ("me too"): ranked by shared terms and place.

Terms include the shared concepts of ``flows.text_normalise``, so "Autobus jeździ za rzadko
wieczorem" meets "Bussen går sjelden om kvelden": two texts in different languages share few
words but the same concepts, which are compared on their own as well. Within one language all
terms count, so the closer wording ranks first.
"""

import functools
from collections.abc import Sequence

from flows.events import Candidate
from flows.privacy import SHOWN_TEXT_MAX
from flows.problem import Problem
from flows.quotes import public_quote
from flows.text_normalise import terms

SIMILAR_SHOWN = 3
SIMILAR_MIN = 0.2  # least term overlap (Jaccard) for "someone else said much the same"
SHARED_CONCEPTS = 2  # concepts two texts must share before their concepts alone may match


def similar_problems(
    problem: Problem, candidates: Sequence[Candidate], *, limit: int = SIMILAR_SHOWN
) -> list[Candidate]:
    """Pick up to ``limit`` candidates close to ``problem``: same workshop first, then area."""
    mine = _terms(problem.text, problem.language)
    if not mine[0]:
        return []
    scored = []
    for candidate in candidates:
        theirs = _terms(candidate.text, candidate.language)
        overlap = _overlap(mine, theirs, across=candidate.language != problem.language)
        if overlap >= SIMILAR_MIN:
            place = 0 if problem.workshop and candidate.workshop == problem.workshop else 1
            place += 0 if problem.area and candidate.area == problem.area else 1
            scored.append((place, -overlap, candidate.id, candidate))
    return [candidate for *_, candidate in sorted(scored)[:limit]]


# Every saved problem is compared with up to 200 recent ones of its place, mostly the same from
# one save to the next: their terms are kept, not worked out again each time (that took about
# two thirds of the interview's own time per update, inside the database transaction). Bounded,
# as the lemma cache is: about 2 KiB an entry for a typical text.
@functools.lru_cache(maxsize=2048)
def _terms(text: str, language: str) -> tuple[frozenset[str], frozenset[str]]:
    """Return the terms of ``text`` and, of those, its concepts."""
    found = terms(text, language)
    return frozenset(t.term for t in found), frozenset(t.term for t in found if t.concept)


def _overlap(
    mine: tuple[frozenset[str], frozenset[str]],
    theirs: tuple[frozenset[str], frozenset[str]],
    *,
    across: bool,
) -> float:
    """Return the Jaccard overlap of all terms; ``across`` languages, of concepts if higher."""
    (words, concepts), (their_words, their_concepts) = mine, theirs
    overlap = len(words & their_words) / len(words | their_words) if their_words else 0.0
    shared = concepts & their_concepts
    if across and len(shared) >= SHARED_CONCEPTS:  # across languages only concepts can meet
        overlap = max(overlap, len(shared) / len(concepts | their_concepts))
    return overlap


def shown_to_others(candidates: Sequence[Candidate], reader: str) -> tuple[Candidate, ...]:
    """Return ``candidates`` with their texts as a reader of language ``reader`` may see them."""
    return tuple(
        Candidate(c.id, _shown(c.text, reader), c.language, c.workshop, c.area) for c in candidates
    )


def _shown(text: str, reader: str) -> str:
    hidden = " ".join(public_quote(text, reader).split())
    return hidden if len(hidden) <= SHOWN_TEXT_MAX else hidden[: SHOWN_TEXT_MAX - 1] + "…"
