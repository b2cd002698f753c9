"""Read models handed to pure builders (digests, themes, exports): no database types here."""

from dataclasses import dataclass
from datetime import datetime

from flows.problem import Problem


@dataclass(frozen=True, slots=True, kw_only=True)
class ProblemRecord(Problem):
    """One stored problem as builders see it; ``resident`` is a pseudonymous key."""

    id: int
    created_at: datetime  # timezone-aware UTC
    resident: str
    source: str = "telegram"
    theme: int | None = None
    theme_label: str = ""
    endorsements: int = 0
    text_translated: str = ""  # machine translation into the reader's language, if any
