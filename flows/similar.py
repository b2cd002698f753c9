"""Others' problems close to a resident's own ("me too"): ranked by shared terms and place."""

from collections.abc import Sequence

from flows.events import Candidate
from flows.privacy import SHOWN_TEXT_MAX
from flows.problem import Problem
from flows.quotes import public_quote
from flows.text_normalise import terms

SIMILAR_SHOWN = 3
SIMILAR_MIN = 0.2  # least term overlap (Jaccard) for "someone else said much the same"


def similar_problems(
    problem: Problem, candidates: Sequence[Candidate], *, limit: int = SIMILAR_SHOWN
) -> list[Candidate]:
    """Pick up to ``limit`` candidates close to ``problem``: same workshop first, then area."""
    mine = {t.term for t in terms(problem.text, problem.language)}
    if not mine:
        return []
    scored = []
    for candidate in candidates:
        theirs = {t.term for t in terms(candidate.text, candidate.language)}
        overlap = len(mine & theirs) / len(mine | theirs) if theirs else 0.0
        if overlap >= SIMILAR_MIN:
            place = 0 if problem.workshop and candidate.workshop == problem.workshop else 1
            place += 0 if problem.area and candidate.area == problem.area else 1
            scored.append((place, -overlap, candidate.id, candidate))
    return [candidate for *_, candidate in sorted(scored)[:limit]]


def shown_to_others(candidates: Sequence[Candidate], reader: str) -> tuple[Candidate, ...]:
    """Return ``candidates`` with their texts as a reader of language ``reader`` may see them."""
    return tuple(
        Candidate(c.id, _shown(c.text, reader), c.language, c.workshop, c.area) for c in candidates
    )


def _shown(text: str, reader: str) -> str:
    hidden = " ".join(public_quote(text, reader).split())
    return hidden if len(hidden) <= SHOWN_TEXT_MAX else hidden[: SHOWN_TEXT_MAX - 1] + "…"
