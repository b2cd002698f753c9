"""The packaged content files, read and checked once per test run."""

from functools import cache

from bot.content_files import load_content, load_staff_texts
from flows.content import Content
from flows.staff_texts import StaffTexts


@cache
def content() -> Content:
    """Return the packaged interview content."""
    return load_content()


@cache
def staff_texts() -> StaffTexts:
    """Return the packaged staff texts."""
    return load_staff_texts()
