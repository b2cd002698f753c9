"""The ``innspill`` command: parse, check the settings, then import only what the command needs.

aiogram alone takes seconds to import, SQLAlchemy and matplotlib a good part of one: ``--help``,
a wrong argument and the no-token hint of ``make run`` answer before any of them is loaded.
"""

import argparse
import sys
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
    from bot.logs import configure_logging
    from bot.settings import SettingsError, load_settings
    from flows.texts import ContentError

    try:
        settings = load_settings()
        keys = (settings.bot_token, settings.secret_key, settings.translate_api_key)
        secrets = [s.get_secret_value() for s in keys if s]
        configure_logging(settings.log_level, secrets)
        if args.command == "run" and settings.bot_token is None:
            sys.stderr.write(NO_TOKEN_HINT)
            if not args.chat_without_token:
                return 1
            args = argparse.Namespace(command="chat", who="")
        from bot.cli.commands import dispatch

        return dispatch(args, settings)
    except (SettingsError, ContentError) as error:
        sys.stderr.write(f"innspill: {error}\n")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
