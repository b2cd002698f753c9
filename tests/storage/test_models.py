"""The tables keep every field of the domain shapes they store."""

from dataclasses import fields

from flows.problem import Problem as DescribedProblem
from storage.models import Problem


def test_the_problem_table_has_a_column_for_every_field_a_resident_describes() -> None:
    columns = set(Problem.__table__.columns.keys())  # type: ignore[attr-defined]
    assert {f.name for f in fields(DescribedProblem)} <= columns
