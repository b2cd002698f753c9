"""The full bot exactly as ``innspill run`` builds it, with Telegram's send limits lifted.

Since sends are paced to Telegram's 30 messages per second, ``innspill run`` answers at most
about 24 interview updates per second however fast it is. To measure what the bot itself can
do (benchmark 1's ratio to the echo bot), this entry point builds the same ``TelegramRunner``
with a pacer that allows 10,000 messages per second and no spacing per chat. Settings come
from the environment, as for ``innspill run``.
"""

import asyncio


def main() -> None:
    """Run the bot by long polling until SIGINT or SIGTERM."""
    from bot.telegram.models import import_aiogram

    import_aiogram()  # as ``innspill run`` does, before anything else imports aiogram
    from bot.app import TelegramRunner, build_core
    from bot.logs import configure_logging
    from bot.settings import load_settings
    from bot.telegram.delivery import Pacer
    from bot.telegram.workers import serve

    settings = load_settings()
    secrets = [s.get_secret_value() for s in (settings.bot_token, settings.secret_key) if s]
    configure_logging(settings.log_level, secrets)
    pacer = Pacer(per_second=10_000, per_chat=0.0)
    asyncio.run(serve(TelegramRunner(build_core(settings), pacer=pacer)))


if __name__ == "__main__":
    main()
