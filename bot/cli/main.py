"""The ``innspill`` command: parse, check the settings, then import only what the command needs.

aiogram alone takes seconds to import, SQLAlchemy and matplotlib a good part of one: ``--help``,
a wrong argument and the no-token hint of ``make run`` answer before any of them is loaded.
"""

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from bot.cli.parser import parser

NO_TOKEN_HINT = """\
BOT_TOKEN is not set, so the Telegram bot can't start.
  1. Create a bot with @BotFather in Telegram and copy its token.
  2. Put it in a file named .env here:   BOT_TOKEN=123456:ABC...
  3. Run `make run` (or `innspill run`) again.
Meanwhile you can try the same interview in this terminal: `innspill chat`.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = parser().parse_args(argv)
    if args.command == "doctor":  # it reports wrong settings instead of stopping at the first
        from bot.cli.doctor import run_doctor

        return run_doctor(out=sys.stdout)
    from bot.logs import configure_logging
    from bot.settings import SettingsError, load_settings
    from flows.texts import ContentError
    from storage.errors import DatabaseUrlError

    debug = args.debug or os.environ.get("LOG_LEVEL", "").upper() == "DEBUG"
    try:
        settings = load_settings()
        json_lines = settings.log_format == "json"
        configure_logging(settings.log_level, settings.secrets(), json_lines=json_lines)
        debug = debug or settings.log_level == "DEBUG"
        if args.command == "run" and settings.bot_token is None:
            sys.stderr.write(NO_TOKEN_HINT)
            if not args.chat_without_token:
                return 1
            args = argparse.Namespace(command="chat", who="")
        from bot.cli.commands import dispatch

        return dispatch(args, settings)
    except (SettingsError, ContentError, DatabaseUrlError) as error:
        return _fail(error, debug, str(error), status=2)
    except Exception as error:
        return _fail(error, debug, *_explained(error))


def _explained(error: Exception) -> tuple[str, int]:
    """Return one line saying what went wrong, and the exit status."""
    if type(error).__name__ == "TelegramUnauthorizedError":  # aiogram, not imported here
        return "BOT_TOKEN: Telegram refused the token (revoked?); get a new one from @BotFather", 2
    if isinstance(error, OSError) and error.filename is not None:
        return f"{error.filename}: {error.strerror or error}", 1
    return f"unexpected {type(error).__name__}; run again with --debug for the details", 1


def _fail(error: Exception, debug: bool, line: str, status: int) -> int:
    """Write ``line`` (and the traceback when debugging) to stderr; return ``status``."""
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    sys.stderr.write(f"innspill: {line}\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
