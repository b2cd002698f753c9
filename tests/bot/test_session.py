"""The lean HTTP session sends Telegram exactly the body aiogram's own session would."""

from urllib.parse import parse_qsl

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendDocument, SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import FormData

from bot.telegram.session import URLENCODED, LeanSession

TOKEN = "123456:ABC-test"


def _body(form: FormData) -> tuple[str, list[tuple[str, str]]]:
    payload = form()
    return payload.content_type, parse_qsl(payload._value.decode(), keep_blank_values=True)


def test_calls_without_files_are_encoded_as_aiograms_own_session_encodes_them() -> None:
    bot = Bot(TOKEN, default=DefaultBotProperties(link_preview_is_disabled=True))
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Ja, æøå & <ok>", callback_data="c:1")]]
    )
    methods = [
        SendMessage(chat_id=42, text="Hei på deg & <b>velkommen</b>", parse_mode="HTML"),
        SendMessage(chat_id=42, text="Velg", reply_markup=keyboard),
        EditMessageText(chat_id=-1001, message_id=7, text="Svar: ja", reply_markup=keyboard),
        AnswerCallbackQuery(callback_query_id="99"),
    ]
    lean, plain = LeanSession(), AiohttpSession()
    for method in methods:
        ours = _body(lean.build_form_data(bot, method))
        theirs = _body(plain.build_form_data(bot, method))
        assert ours == theirs
        assert ours[0] == URLENCODED


def test_a_call_with_a_file_is_still_sent_as_multipart() -> None:
    bot = Bot(TOKEN)
    upload = BufferedInputFile(b"{}", "innspill-my-data.json")
    form = LeanSession().build_form_data(bot, SendDocument(chat_id=42, document=upload))
    assert form().content_type.startswith("multipart/form-data")
