"""Read models handed to pure builders (digests, themes, exports): no database types here."""

from collections.abc import Callable
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
    quote_hidden: bool = False  # staff hid its words: counted, never quoted


IMPORTED = "import"  # the source of notes imported from a workshop room


Label = Callable[[ProblemRecord], str]
"""Name the theme of a record in the reader's language."""


def stored_label(record: ProblemRecord) -> str:
    """Return the theme's label as stored (the staff label, else the automatic one)."""
    return record.theme_label


def label_in(language: str) -> Label:
    """Return how themes are named for a reader of ``language``: every artefact asks this."""
    del language  # one label for every language until themes carry one per language
    return stored_label
