"""Read the content files: the interview file (INTERVIEW_FILE or packaged) and the staff texts."""

import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from flows.content import Content, parse_content
from flows.staff_texts import StaffTexts, parse_staff_texts
from flows.texts import ContentError
from flows.workspace_texts import PageTexts, parse_page_texts


def default_content_path() -> str:
    """Return where the packaged interview file lives."""
    return str(_packaged("interview.toml"))


def load_content(path: str | os.PathLike[str] | None = None) -> Content:
    """Read and check the interview file at ``path`` (the packaged one when None)."""
    file = _packaged("interview.toml") if path is None else Path(path)
    shown = str(file) if path is None else os.fspath(path)
    return parse_content(_read(file, shown), shown)


def load_staff_texts() -> StaffTexts:
    """Read and check the packaged staff texts."""
    file = _packaged("staff.toml")
    return parse_staff_texts(_read(file, str(file)), str(file))


def _packaged(name: str) -> Traversable:
    return resources.files("flows").joinpath(name)


def _read(file: Traversable | Path, shown: str) -> str:
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise ContentError(shown, [f"cannot read the file: {error.strerror or error}"]) from None
    try:
        # utf-8-sig: Windows editors may put a byte-order mark first.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problem = f"byte {error.start}: not UTF-8 text; save the file as UTF-8"
    raise ContentError(shown, [problem])


def load_page_texts() -> PageTexts:
    """Read and check the packaged texts of the web workspace."""
    file = _packaged("workspace.toml")
    return parse_page_texts(_read(file, str(file)), str(file))
