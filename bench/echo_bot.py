"""A bare aiogram echo bot: the yardstick the full bot's throughput is compared with.

One router echoes every text message back, long polling as aiogram's own example does, logging
at INFO like ``innspill run``. Reads BOT_TOKEN and TELEGRAM_API_URL from the environment.
"""

import asyncio
import logging
import os

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message


def make_router() -> Router:
    """Build the one router: echo text."""
    router = Router(name="echo")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    return router


async def main() -> None:
    """Poll until SIGINT or SIGTERM."""
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    bot = Bot(os.environ["BOT_TOKEN"], session=AiohttpSession(api=api))
    dispatcher = Dispatcher()
    dispatcher.include_router(make_router())
    await dispatcher.start_polling(bot)


if __name__ == "__main__":
    asyncio.run(main())
