"""Read models handed to pure builders (digests, themes, exports): no database types here."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ProblemRecord:
    """One stored problem as builders see it; ``resident`` is a pseudonymous key."""

    id: int
    created_at: datetime  # timezone-aware UTC
    resident: str
    text: str
    language: str
    suggested_solution: str = ""
    groups: tuple[str, ...] = ()
    area: str = ""
    frequency: str = ""
    severity: int | None = None
    source: str = "telegram"
    workshop: str = ""
    theme: int | None = None
    theme_label: str = ""
    endorsements: int = 0
