"""The fake Bot API answers the real aiogram client the way Telegram does."""

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from tests.factories import MEDIA_KINDS, make_message_update
from tests.fakebotapi import FakeBotAPI, parse_html

pytestmark = pytest.mark.e2e

RESIDENT = 1001


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    bot = api.make_bot()
    yield bot
    await bot.session.close()


def make_echo_router(seen: list[int]) -> Router:
    """Echo text back with a yes/no keyboard; a press of "yes" edits the message."""
    router = Router()

    @router.message(F.text)
    async def echo(message: Message, event_update: Update) -> None:
        seen.append(event_update.update_id)
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Ja", callback_data="yes")]]
        )
        await message.answer(message.text or "", reply_markup=keyboard)

    @router.callback_query(F.data == "yes")
    async def confirm(query: CallbackQuery) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.edit_text("Takk!")

    return router


@asynccontextmanager
async def polling(api: FakeBotAPI, bot: Bot, seen: list[int]) -> AsyncIterator[None]:
    dp = Dispatcher()
    dp.include_router(make_echo_router(seen))
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
    await api.wait_for(lambda a: bool(a.calls("getUpdates")))
    try:
        yield
    finally:
        await dp.stop_polling()
        await task


async def test_polling_bot_echoes_text_and_handles_a_button_press(api: FakeBotAPI, bot: Bot):
    seen: list[int] = []
    async with polling(api, bot, seen):
        update = api.send_text(RESIDENT, "Bussen kom ikke i dag")
        [reply] = await api.wait_for_messages(RESIDENT, 1)
        assert reply.text == "Bussen kom ikke i dag"
        assert reply.buttons == [("Ja", "yes")]
        assert reply.message_id == update["message"]["message_id"] + 1

        api.press(RESIDENT, "yes")
        await api.wait_for(lambda a: reply.text == "Takk!")
    assert reply.edits == ["Bussen kom ikke i dag"]
    assert [c.status for c in api.calls("answerCallbackQuery")] == [200]
    assert api.calls("getMe") and api.pending_update_count == 0


async def test_an_update_queued_twice_reaches_the_dispatcher_twice(api: FakeBotAPI, bot: Bot):
    seen: list[int] = []
    async with polling(api, bot, seen):
        update = api.send_text(RESIDENT, "hei")
        await api.wait_for_messages(RESIDENT, 1)
        api.queue_update(update)
        await api.wait_for_messages(RESIDENT, 2)
    assert seen == [update["update_id"], update["update_id"]]


async def test_getupdates_confirms_only_below_a_later_offset(api: FakeBotAPI, bot: Bot):
    first = api.send_text(RESIDENT, "en")["update_id"]
    second = api.send_text(RESIDENT, "to")["update_id"]

    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second]
    assert [u.update_id for u in await bot.get_updates(offset=first)] == [second]
    assert await bot.get_updates(offset=second + 1) == []
    assert api.pending_update_count == 0


async def test_a_requeued_update_comes_once_more_despite_the_offset(api: FakeBotAPI, bot: Bot):
    update = api.send_text(RESIDENT, "igjen")
    after = update["update_id"] + 1
    assert len(await bot.get_updates()) == 1
    assert await bot.get_updates(offset=after) == []
    api.queue_update(update)
    assert [u.update_id for u in await bot.get_updates(offset=after)] == [update["update_id"]]
    assert await bot.get_updates(offset=after) == []


async def test_getupdates_long_polls_until_an_update_arrives(api: FakeBotAPI, bot: Bot):
    loop = asyncio.get_running_loop()
    loop.call_later(0.2, api.send_text, RESIDENT, "sent while waiting")
    started = loop.time()
    updates = await bot.get_updates(timeout=5)
    assert [u.message.text for u in updates if u.message] == ["sent while waiting"]
    assert 0.15 < loop.time() - started < 2


async def test_getupdates_drops_update_types_the_bot_did_not_ask_for(api: FakeBotAPI, bot: Bot):
    api.send_text(RESIDENT, "tekst")
    await bot.send_message(RESIDENT, "Velg", reply_markup=_keyboard("a"))
    press = api.press(RESIDENT, "a")
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.update_id for u in updates] == [press["update_id"]]


async def test_retry_after_reaches_the_caller(api: FakeBotAPI, bot: Bot):
    api.fail_next("sendMessage", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(RESIDENT, "hei")
    assert caught.value.retry_after == 7
    await bot.send_message(RESIDENT, "hei")
    assert [c.status for c in api.calls("sendMessage")] == [429, 200]
    assert len(api.sent_to(RESIDENT)) == 1


@pytest.mark.parametrize("status", [500, 502])
async def test_server_errors_reach_the_caller(api: FakeBotAPI, bot: Bot, status: int):
    api.fail_next("sendMessage", status=status, times=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(RESIDENT, "hei")
    await bot.send_message(RESIDENT, "hei")
    assert [c.status for c in api.calls("sendMessage")] == [status, status, 200]


async def test_a_second_poller_terminates_the_first_with_a_conflict(api: FakeBotAPI, bot: Bot):
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_for(lambda a: len(a.calls("getUpdates")) == 1)
    second = asyncio.create_task(bot.get_updates(timeout=5))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await first
    api.send_text(RESIDENT, "hei")
    assert len(await second) == 1


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("Fish & chips", 'Character "&" must be escaped'),
        ("<b>fet", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>fet</i>", 'Unmatched end tag at byte offset 6, expected "</b>", found "</i>"'),
        ("<script>x</script>", 'Unsupported start tag "script"'),
    ],
)
async def test_html_that_telegram_refuses_is_refused(api: FakeBotAPI, bot: Bot, text, problem):
    with pytest.raises(TelegramBadRequest, match="can't parse entities") as caught:
        await bot.send_message(RESIDENT, text, parse_mode="HTML")
    assert problem in caught.value.message
    assert api.sent_to(RESIDENT) == []


async def test_html_length_counts_the_text_after_parsing(api: FakeBotAPI, bot: Bot):
    sent = await bot.send_message(RESIDENT, "<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")
    assert sent.text == "&" * 4096
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(RESIDENT, "&lt;" * 4097, parse_mode="HTML")


def test_parse_html_reports_entities_in_utf16_units():
    plain, entities = parse_html('🙂 <b>Gjøvik <i>sentrum</i></b> <a href="https://x.no">kart</a>')
    assert plain == "🙂 Gjøvik sentrum kart"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 14},
        {"type": "italic", "offset": 10, "length": 7},
        {"type": "text_link", "offset": 18, "length": 4, "url": "https://x.no"},
    ]


async def test_callback_data_is_limited_to_64_bytes(api: FakeBotAPI, bot: Bot):
    await bot.send_message(RESIDENT, "ok", reply_markup=_keyboard("ø" * 32))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(RESIDENT, "too long", reply_markup=_keyboard("ø" * 32 + "x"))
    assert [m.text for m in api.sent_to(RESIDENT)] == ["ok"]


async def test_editing_to_the_same_content_is_refused(api: FakeBotAPI, bot: Bot):
    sent = await bot.send_message(RESIDENT, "Samme")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(text="Samme", chat_id=RESIDENT, message_id=sent.message_id)
    await bot.delete_message(RESIDENT, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="Ny", chat_id=RESIDENT, message_id=sent.message_id)
    assert api.sent_to(RESIDENT)[0].deleted


async def test_multipart_uploads_keep_bytes_and_file_names(api: FakeBotAPI, bot: Bot):
    content = bytes(range(256)) * 40
    sent = await bot.send_document(
        RESIDENT,
        BufferedInputFile(content, "rapport.xlsx"),
        caption="<b>Uke 2</b>",
        parse_mode="HTML",
    )
    photo = await bot.send_photo(RESIDENT, BufferedInputFile(b"\x89PNG fake", "graf.png"))
    assert sent.document is not None and sent.document.file_name == "rapport.xlsx"
    assert photo.photo is not None and len(photo.photo) == 3
    document, picture = api.sent_to(RESIDENT)
    assert (document.kind, document.file, document.text) == ("document", content, "Uke 2")
    assert (picture.kind, picture.file) == ("photo", b"\x89PNG fake")
    assert api.calls("sendDocument")[0].files["document"] == content
    assert api.calls("sendDocument")[0].filenames["document"] == "rapport.xlsx"


async def test_commands_are_recorded_per_language(api: FakeBotAPI, bot: Bot):
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    await bot.set_my_commands(
        [BotCommand(command="start", description="Begynn")], language_code="nb"
    )
    assert api.my_commands() == [("start", "Start")]
    assert api.my_commands("nb") == [("start", "Begynn")]
    assert [c.description for c in await bot.get_my_commands(language_code="nb")] == ["Begynn"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Hjelp!", description="x")])


async def test_a_blocked_resident_and_a_wrong_token_are_refused(api: FakeBotAPI, bot: Bot):
    api.block(RESIDENT)
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(RESIDENT, "hei")
    stranger = Bot("999:wrong", session=bot.session)
    with pytest.raises(TelegramUnauthorizedError):
        await stranger.get_me()


async def test_unknown_methods_get_404_and_are_recorded(api: FakeBotAPI):
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.base_url}/bot{api.token}/sendTeleport", data={"x": "1"}) as resp,
    ):
        body = await resp.json()
    assert resp.status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
    assert [c.params for c in api.calls("sendTeleport")] == [{"x": "1"}]


async def test_a_delayed_call_times_out_for_the_client_but_still_happens(
    api: FakeBotAPI, bot: Bot
):
    bot.session.timeout = 0.3
    api.delay_next("sendMessage", 0.6)
    with pytest.raises(TelegramNetworkError, match="timeout"):
        await bot.send_message(RESIDENT, "sent late")
    await api.wait_for_messages(RESIDENT, 1)


async def test_webhook_mode_delivers_with_the_secret_and_runs_the_reply(api: FakeBotAPI, bot: Bot):
    await bot.set_webhook("https://innspill.example/webhook", secret_token="s3cret")
    with pytest.raises(TelegramConflictError):
        await bot.get_updates()
    dp = Dispatcher()
    router = Router()

    @router.message()
    async def reply(message: Message) -> SendMessage:
        return message.answer("Mottatt")

    dp.include_router(router)
    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token="s3cret").register(
        app, path="/webhook"
    )
    async with _serve(app) as url:
        update = api.send_text(RESIDENT, "Gatelyset er ødelagt")
        assert await api.push_webhook(url, update, "wrong") == 401
        assert (await bot.get_webhook_info()).pending_update_count == 1
        assert await api.push_webhook(url, update, "s3cret") == 200
    assert [m.text for m in api.sent_to(RESIDENT)] == ["Mottatt"]
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_resident_input_of_every_kind_parses_as_aiogram_updates(api: FakeBotAPI, bot: Bot):
    built = [api.send_media(RESIDENT, kind, caption="Se her") for kind in MEDIA_KINDS]
    built.append(api.send_location(RESIDENT, 60.795, 10.692))
    built.append(api.send_text(RESIDENT, "Rettet tekst", edited=True))
    built.append(api.send_command(RESIDENT, "/start qr_biri", chat_type="group"))
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [b["update_id"] for b in built]
    types = [u.message.content_type for u in updates[:-2] if u.message]
    assert types == [*MEDIA_KINDS, "location"]
    edited = updates[-2].edited_message
    assert edited is not None and edited.message_id == built[-3]["message"]["message_id"]
    group = updates[-1].message
    assert group is not None and group.chat.type == "group" and group.chat.id < 0
    photo_id = built[1]["message"]["photo"][-1]["file_id"]
    downloaded = await bot.download(photo_id)
    assert downloaded is not None and downloaded.read().startswith(b"photo")


def test_factories_build_updates_aiogram_accepts():
    update = Update.model_validate(make_message_update(text="/start qr_gjovik", update_id=5))
    assert update.message is not None and update.message.entities is not None
    assert update.message.entities[0].extract_from(update.message.text or "") == "/start"


def _keyboard(data: str) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text="Velg", callback_data=data)
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


@asynccontextmanager
async def _serve(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/webhook"
    finally:
        await runner.cleanup()
