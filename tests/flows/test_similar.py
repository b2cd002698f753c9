"""Me too across languages: others' problems in other languages are offered when they match."""

from flows.events import Candidate
from flows.problem import Problem
from flows.similar import similar_problems

SIDEWALK = Problem(
    text="Det er ikke fortau langs skoleveien, barna går i veibanen.", language="nb"
)


def test_a_report_in_another_language_about_the_same_problem_is_offered() -> None:
    candidates = [
        Candidate(1, "Автобуси ходять дуже рідко ввечері", "uk"),
        Candidate(2, "Nie ma chodnika do szkoły, dzieci idą po jezdni.", "pl"),
        Candidate(3, "Немає тротуару до школи, діти йдуть по дорозі.", "uk"),
    ]
    assert [c.id for c in similar_problems(SIDEWALK, candidates)] == [2, 3]


def test_one_shared_concept_is_not_enough_across_languages() -> None:
    candidates = [Candidate(1, "Autobus do szkoły jeździ za rzadko.", "pl")]  # only "skole"
    assert similar_problems(SIDEWALK, candidates) == []
