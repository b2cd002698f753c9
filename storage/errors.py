"""Errors storage reports to operators; light to import, so the CLI can catch them cheaply."""


class DatabaseUrlError(ValueError):
    """DATABASE_URL cannot be used, or the database behind it cannot be reached.

    The message is one line that starts with the setting's name and says what to do.
    """
