"""A problem as a resident describes it: one shape for the interview, storage and builders."""

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Self


@dataclass(frozen=True, slots=True)
class Problem:
    """What a resident said about one problem: filled in answer by answer, then stored."""

    text: str = ""
    language: str = ""
    suggested_solution: str = ""
    solution_language: str = ""
    frequency: str = ""
    severity: int | None = None
    groups: tuple[str, ...] = ()
    area: str = ""
    place: str = ""  # a place name as the resident typed it, whether or not it named an area
    workshop: str = ""

    def with_problem(self, text: str, language: str) -> Self:
        """Return a copy holding the problem in the resident's words."""
        return replace(self, text=text, language=language)

    def with_solution(self, text: str, language: str) -> Self:
        """Return a copy that keeps a proposed solution aside."""
        return replace(self, suggested_solution=text, solution_language=language)

    def values(self) -> dict[str, Any]:
        """Return the fields by name, ``groups`` as a list: JSON-ready and row-ready."""
        data = {f.name: getattr(self, f.name) for f in fields(Problem)}
        data["groups"] = list(self.groups)
        return data

    @classmethod
    def from_values(cls, data: Mapping[str, Any]) -> Self:
        """Build one from ``values()`` or a row's fields; unknown keys are ignored."""
        known = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        known["groups"] = tuple(known.get("groups") or ())
        return cls(**known)
