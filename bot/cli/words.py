"""Counted nouns for the command line's English messages: "1 problem", "2 problems"."""


def counted(count: int, one: str, many: str = "") -> str:
    """Return ``count`` with ``one`` when it is 1, else with ``many`` (default: ``one`` + "s")."""
    return f"{count} {one if count == 1 else many or one + 's'}"
