"""A fake Telegram Bot API server on 127.0.0.1 that the real aiogram client can talk to."""

from __future__ import annotations

import asyncio
import html
import json
import mimetypes
import re
import socket
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from tests import factories

if TYPE_CHECKING:
    from aiogram import Bot

Params = dict[str, Any]
Uploads = dict[str, tuple[str, bytes]]
Handler = Callable[[Params, Uploads], Awaitable[Any]]

_JSON_FIELDS = frozenset(
    {"reply_markup", "entities", "caption_entities", "link_preview_options", "reply_parameters"}
    | {"allowed_updates", "commands", "scope", "media", "menu_button", "results"}
)
_INT_FIELDS = frozenset(
    {"chat_id", "message_id", "offset", "limit", "timeout", "user_id", "message_thread_id"}
    | {"reply_to_message_id", "cache_time", "max_connections", "from_chat_id"}
)
_BOOL_FIELDS = frozenset(
    {"disable_notification", "protect_content", "show_alert", "drop_pending_updates"}
    | {"allow_sending_without_reply", "has_spoiler", "disable_content_type_detection"}
)
# Telegram leaves these out unless a bot asks for them by name in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice"}
    | {"upload_document", "choose_sticker", "find_location", "record_video_note"}
    | {"upload_video_note"}
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup"
    " are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and optional retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    def body(self) -> dict[str, Any]:
        """Return the JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class Recorded:
    """One API call the bot made, with its parameters decoded and its uploads kept."""

    method: str
    params: Params
    files: dict[str, bytes] = field(default_factory=dict)
    filenames: dict[str, str] = field(default_factory=dict)
    at: float = 0.0  # time.monotonic() on arrival, to measure a bot's pacing
    status: int | None = None  # None while a long poll is still open


@dataclass
class SentMessage:
    """A message the bot sent to a chat, as it stands now (after edits)."""

    chat_id: int
    message_id: int
    kind: str  # "text", "photo" or "document"
    text: str  # what the user sees: markup removed, entities unescaped; the caption for media
    raw_text: str | None  # exactly what the bot sent
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: list[list[tuple[str, str | None]]]  # inline rows of (text, callback_data)
    keyboard: list[list[str]]  # reply-keyboard rows, as button texts
    file: bytes | None = None
    filename: str | None = None
    edits: list[str] = field(default_factory=list)  # earlier texts, oldest first
    deleted: bool = False

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """Return every inline button as (text, callback_data), row by row."""
        return [button for row in self.reply_markup for button in row]


@dataclass
class _Pending:
    update: dict[str, Any]
    redelivery: bool  # queued again with an id Telegram already handed out
    delivered: bool = False


# --- Telegram's HTML parse mode -------------------------------------------------------------

_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_PLAIN = re.compile(r"[^<&]+")
_CHAR_REF = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([A-Za-z]+));")
_TAG_NAME = re.compile(r"[^\s>]*")
_END_TAG = re.compile(r"</([^\s>]*)\s*>")
_ATTRS = re.compile(r"""((?:\s+[A-Za-z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?)*)\s*>""")
_ATTR = re.compile(r"""([A-Za-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")


class EntityParseError(ValueError):
    """Raised for HTML Telegram refuses; the message follows Telegram's wording."""


@dataclass
class _Open:
    tag: str
    start: int
    attrs: dict[str, str]
    language: str | None = None


class _HtmlParser:
    """Strip Telegram HTML to plain text and entities, refusing what Telegram refuses.

    Stricter than Telegram in one respect: a bare "&" that starts no entity is refused (Telegram
    keeps it as text), so that unescaped resident text fails in tests before it fails in chats.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.offset = 0  # in UTF-16 code units, like Telegram's entity offsets
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        """Return the plain text and its entities, or raise EntityParseError."""
        i = 0
        while i < len(self.text):
            if plain := _PLAIN.match(self.text, i):
                self._emit(plain.group())
                i = plain.end()
            elif self.text[i] == "&":
                i = self._char_ref(i)
            elif self.text.startswith("</", i):
                i = self._end_tag(i)
            else:
                i = self._start_tag(i)
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _fail(self, what: str, i: int, detail: str = "") -> EntityParseError:
        return EntityParseError(f"{what} at byte offset {len(self.text[:i].encode())}{detail}")

    def _emit(self, plain: str) -> None:
        self.out.append(plain)
        self.offset += factories.utf16_len(plain)

    def _char_ref(self, i: int) -> int:
        ref = _CHAR_REF.match(self.text, i)
        if ref is None:
            raise self._fail('Character "&" must be escaped as "&amp;"', i)
        if ref[3] is not None:
            if ref[3] not in _NAMED_REFS:
                raise self._fail(f'Unsupported HTML entity "&{ref[3]};"', i)
            self._emit(_NAMED_REFS[ref[3]])
            return ref.end()
        code = int(ref[1]) if ref[1] is not None else int(ref[2], 16)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise self._fail("Invalid character reference", i)
        self._emit(chr(code))
        return ref.end()

    def _start_tag(self, i: int) -> int:
        name = _TAG_NAME.match(self.text, i + 1)
        assert name is not None  # the pattern matches the empty string
        if name.end() >= len(self.text):
            raise self._fail("Unclosed start tag", i)
        tag = name.group().lower()
        if tag not in _TAGS:
            raise self._fail(f'Unsupported start tag "{tag}"', i)
        attrs_match = _ATTRS.match(self.text, name.end())
        if attrs_match is None:
            raise self._fail("Unclosed start tag", i)
        attrs = {
            a[1].lower(): html.unescape(next((v for v in a.groups()[1:] if v is not None), ""))
            for a in _ATTR.finditer(attrs_match[1])
        }
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise self._fail('Tag "span" must have class "tg-spoiler"', i)
        self.stack.append(_Open(tag, self.offset, attrs))
        return attrs_match.end()

    def _end_tag(self, i: int) -> int:
        if not self.stack:
            raise self._fail("Unexpected end tag", i)
        end = _END_TAG.match(self.text, i)
        if end is None:
            raise self._fail("Unclosed end tag", i)
        opened = self.stack.pop()
        name = end[1].lower()
        if name and name != opened.tag:
            detail = f', expected "</{opened.tag}>", found "</{name}>"'
            raise self._fail("Unmatched end tag", i, detail)
        self._close(opened)
        return end.end()

    def _close(self, opened: _Open) -> None:
        parent = self.stack[-1] if self.stack else None
        if opened.tag == "code" and parent is not None and parent.tag == "pre":
            language = opened.attrs.get("class", "")
            if language.startswith("language-"):
                parent.language = language.removeprefix("language-")
            return
        entity: dict[str, Any] = {"type": _TAGS[opened.tag], "offset": opened.start}
        entity["length"] = self.offset - opened.start
        if opened.tag == "a":
            entity["url"] = opened.attrs.get("href", "")
        elif opened.tag == "tg-emoji":
            entity["custom_emoji_id"] = opened.attrs.get("emoji-id", "")
        elif opened.tag == "pre" and opened.language:
            entity["language"] = opened.language
        elif opened.tag == "blockquote" and "expandable" in opened.attrs:
            entity["type"] = "expandable_blockquote"
        if entity["length"] > 0 and entity.get("url", "-"):
            self.entities.append(entity)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Return the plain text and entities of Telegram HTML, or raise EntityParseError."""
    return _HtmlParser(text).parse()


def _decode(fields: dict[str, str]) -> Params:
    """Turn form fields back into the values aiogram encoded (JSON, ints, booleans)."""
    params: Params = {}
    for key, value in fields.items():
        if key in _JSON_FIELDS:
            try:
                params[key] = json.loads(value)
            except ValueError:
                raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
        elif key in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
            params[key] = int(value)
        elif key in _BOOL_FIELDS:
            params[key] = value == "true"
        else:
            params[key] = value
    return params


def _check_markup(markup: Any) -> None:
    """Refuse inline buttons whose callback_data Telegram would refuse."""
    if not isinstance(markup, dict):
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def _inline_rows(markup: Any) -> list[list[tuple[str, str | None]]]:
    if not isinstance(markup, dict):
        return []
    rows = markup.get("inline_keyboard", [])
    return [[(b.get("text", ""), b.get("callback_data")) for b in row] for row in rows]


def _keyboard_rows(markup: Any) -> list[list[str]]:
    if not isinstance(markup, dict):
        return []
    rows = markup.get("keyboard", [])
    return [[b if isinstance(b, str) else b.get("text", "") for b in row] for row in rows]


def _format(
    text: str | None, params: Params, *, entities_key: str, limit: int, too_long: str
) -> tuple[str, list[dict[str, Any]]]:
    """Apply parse_mode like Telegram and check the length of what the user will see."""
    mode = params.get("parse_mode") or ""
    if mode.lower() == "html":
        try:
            plain, entities = parse_html(text or "")
        except EntityParseError as error:
            raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
    elif mode.lower() in ("", "markdown", "markdownv2"):  # Markdown is passed through unchecked
        plain, entities = text or "", list(params.get(entities_key) or [])
    else:
        raise ApiError(400, "Bad Request: unsupported parse_mode")
    if len(plain) > limit:
        raise ApiError(400, too_long)
    return plain, entities


def _update_type(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@dataclass
class _Stored:
    message: dict[str, Any]
    sent: SentMessage | None  # None for residents' own messages


class FakeBotAPI:
    """Serve the Bot API on 127.0.0.1: feed updates, record calls, inject faults."""

    def __init__(
        self, token: str = "123456:TEST-token", bot_username: str = "innspill_test_bot"
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = int(token.split(":", 1)[0])
        self.base_url = ""
        self.requests: list[Recorded] = []
        self.webhook: Params | None = None  # the parameters of the last setWebhook
        self.commands: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (scope, lang)
        self.blocked: set[int] = set()  # residents who blocked the bot
        self._pending: list[_Pending] = []
        self._seen_update_ids: set[int] = set()
        self._next_update_id = 100_001
        self._allowed: frozenset[str] | None = None
        self._poll_generation = 0
        self._wakeup = asyncio.Event()
        self._closing = asyncio.Event()
        self._last_ids: dict[int, int] = defaultdict(int)  # chat -> last message_id
        self._resident_last: dict[int, int] = {}  # chat -> a resident's last message_id
        self._messages: dict[tuple[int, int], _Stored] = {}
        self._sent: dict[int, list[SentMessage]] = defaultdict(list)
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._callbacks: dict[str, dict[str, Any]] = {}
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file name, content)
        self._faults: dict[str, deque[ApiError]] = defaultdict(deque)
        self._delays: dict[str, deque[float]] = defaultdict(deque)
        self._raw_faults: dict[str, deque[web.Response]] = defaultdict(deque)
        self._hung: set[int] = set()  # chats whose sends are accepted and never answered
        self._tasks: set[asyncio.Task[tuple[int, dict[str, Any]]]] = set()
        self._runner: web.AppRunner | None = None
        # Telegram matches method names case-insensitively: "sendmessage" -> _api_send_message.
        self._methods: dict[str, Handler] = {
            name.removeprefix("_api_").replace("_", ""): getattr(self, name)
            for name in dir(self)
            if name.startswith("_api_")
        }

    # --- lifecycle and HTTP ------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        self._closing.clear()
        app = web.Application(client_max_size=50 * 1024 * 1024)  # Telegram's upload limit
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{file_id}", self._download)
        # Cancelling a dropped long poll mirrors Telegram; other calls are shielded below.
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        sock = _bound_socket()
        await web.SockSite(self._runner, sock).start()
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"

    async def stop(self) -> None:
        """Release open long polls and delays, then close the server."""
        self._closing.set()
        self._wake()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def make_bot(self, **bot_kwargs: Any) -> Bot:
        """Return a real aiogram Bot whose session talks to this server."""
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        session = AiohttpSession(api=TelegramAPIServer.from_base(self.base_url))
        return Bot(self.token, session=session, **bot_kwargs)

    async def _handle(self, request: web.Request) -> web.Response:
        fields: dict[str, str] = dict(request.query)
        uploads: Uploads = {}
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                uploads[key] = (value.filename, value.file.read())
            else:
                fields[key] = str(value)
        method = request.match_info["method"]
        if self._raw_faults[method.lower()]:
            self.requests.append(Recorded(method, dict(fields), at=time.monotonic(), status=-1))
            return self._raw_faults[method.lower()].popleft()
        if request.match_info["token"] != self.token:
            self.requests.append(Recorded(method, dict(fields), at=time.monotonic(), status=401))
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        call = self._call(method, fields, uploads)
        if method.lower() == "getupdates":
            status, body = await call
        else:
            # Telegram finishes a call even if the client gave up waiting: shield it.
            task = asyncio.ensure_future(call)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            status, body = await asyncio.shield(task)
        return web.json_response(body, status=status)

    async def _call(
        self, method: str, fields: dict[str, str], uploads: Uploads
    ) -> tuple[int, dict[str, Any]]:
        record = Recorded(method, dict(fields), at=time.monotonic())
        self.requests.append(record)
        try:
            record.params = params = _decode(fields)
            for name, value in params.items():
                if isinstance(value, str) and value.startswith("attach://"):
                    filename, content = uploads.get(value.removeprefix("attach://"), ("", b""))
                    record.files[name], record.filenames[name] = content, filename
            result = await self._perform(method.lower(), params, uploads)
        except ApiError as error:
            record.status = error.status
            return error.status, error.body()
        record.status = 200
        return 200, {"ok": True, "result": result}

    async def _perform(self, method: str, params: Params, uploads: Uploads) -> Any:
        handler = self._methods.get(method)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        if self._faults[method]:
            raise self._faults[method].popleft()
        if params.get("chat_id") in self._hung and method.startswith(("send", "edit")):
            await self._closing.wait()  # a connection accepted and never answered
        if self._delays[method]:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self._delays[method].popleft())
        return await handler(params, uploads)

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        stored = self._files.get(request.match_info["file_id"])
        if stored is None:
            return web.Response(status=404)
        return web.Response(body=stored[1])

    # --- fault injection -----------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next `times` calls of method with an error, as Telegram words it."""
        defaults = {
            400: "Bad Request: can't parse entities",
            403: "Forbidden: bot was blocked by the user",
            429: f"Too Many Requests: retry after {retry_after}",
            500: "Internal Server Error",
            502: "Bad Gateway",
        }
        text = description or defaults.get(status, f"Error {status}")
        after = retry_after if status == 429 else None
        for _ in range(times):
            self._faults[method.lower()].append(ApiError(status, text, after))

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Hold the next `times` calls of method before answering them (they still happen)."""
        self._delays[method.lower()].extend([seconds] * times)

    def answer_raw_next(
        self,
        method: str,
        *,
        status: int = 502,
        body: str = "<html><body><h1>502 Bad Gateway</h1></body></html>",
        content_type: str = "text/html",
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of method with a raw body, as a broken proxy does."""
        for _ in range(times):
            response = web.Response(status=status, text=body, content_type=content_type)
            self._raw_faults[method.lower()].append(response)

    def hang_sends_to(self, chat_id: int) -> None:
        """Accept every later send or edit to chat_id and never answer it (until stop)."""
        self._hung.add(chat_id)

    def block(self, user_id: int) -> None:
        """Make the resident block the bot: later sends to them fail with 403."""
        self.blocked.add(user_id)

    # --- feeding updates -----------------------------------------------------------------

    def queue_update(self, update: dict[str, Any]) -> None:
        """Queue a raw update; one whose id was handed out before is delivered once more."""
        update_id = int(update["update_id"])
        redelivery = update_id in self._seen_update_ids
        self._seen_update_ids.add(update_id)
        self._next_update_id = max(self._next_update_id, update_id + 1)
        self._pending.append(_Pending(update, redelivery))
        self._wake()

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str | None = "nb",
        chat_type: str = "private",
        edited: bool = False,
    ) -> dict[str, Any]:
        """Queue a resident's text message (or an edit of their last one)."""
        chat_id = factories.chat_id_for(user_id, chat_type)
        message_id = self._resident_last.get(chat_id) if edited else None
        return self._resident_message(
            user_id, language_code, chat_type, message_id=message_id, text=text, edited=edited
        )

    def send_command(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str | None = "nb",
        chat_type: str = "private",
        edited: bool = False,
    ) -> dict[str, Any]:
        """Queue a command such as "/start payload", with its bot_command entity."""
        if not factories.command_entities(text):
            raise ValueError(f"{text!r} does not start with a /command")
        return self.send_text(
            user_id, text, language_code=language_code, chat_type=chat_type, edited=edited
        )

    def send_location(self, user_id: int, lat: float, lon: float) -> dict[str, Any]:
        """Queue a resident's shared location."""
        location = {"latitude": lat, "longitude": lon}
        return self._resident_message(
            user_id, self._language(user_id), "private", location=location
        )

    def send_media(self, user_id: int, kind: str, caption: str | None = None) -> dict[str, Any]:
        """Queue a sticker, photo, voice, video, document or contact from a resident."""
        media = factories.make_media(kind, self._next_update_id, user_id)
        for value in media.values():
            for item in value if isinstance(value, list) else [value]:
                if "file_id" in item:
                    content = f"{kind} {item['file_id']}".encode()
                    self._files[item["file_id"]] = (item.get("file_name", kind), content)
        if caption is not None:
            media["caption"] = caption
        return self._resident_message(user_id, self._language(user_id), "private", **media)

    def press(self, user_id: int, data: str, *, message_id: int | None = None) -> dict[str, Any]:
        """Queue a press of the button carrying data (default: on the newest keyboard)."""
        stored = self._keyboard_message(user_id, message_id)
        assert stored.sent is not None
        if data not in [d for _, d in stored.sent.buttons]:
            raise ValueError(
                f"message {stored.sent.message_id} has no button {data!r}: {stored.sent.buttons}"
            )
        return self._queue_press(user_id, data, stored)

    def forge_press(self, user_id: int, data: str) -> dict[str, Any]:
        """Queue a press with data no button carried, on the newest keyboard of the chat.

        A forger needs no keyboard: without one, the press comes on the bot's newest message.
        """
        try:
            stored = self._keyboard_message(user_id, None)
        except LookupError:
            newest = next(m for m in reversed(self._sent[user_id]) if not m.deleted)
            stored = self._messages[(user_id, newest.message_id)]
        return self._queue_press(user_id, data, stored)

    def _queue_press(self, user_id: int, data: str, stored: _Stored) -> dict[str, Any]:
        """Queue a press carrying ``data`` on the bot's message ``stored``."""
        update_id = self._new_update_id()
        update = factories.make_callback_update(
            data=data,
            update_id=update_id,
            user_id=user_id,
            message=stored.message,
            callback_id=f"{user_id}{update_id}",
            language_code=self._language(user_id),
            bot_id=self.bot_id,
        )
        self._callbacks[update["callback_query"]["id"]] = update["callback_query"]
        self.queue_update(update)
        return update

    def _resident_message(
        self,
        user_id: int,
        language_code: str | None,
        chat_type: str,
        *,
        message_id: int | None = None,
        edited: bool = False,
        **content: Any,
    ) -> dict[str, Any]:
        chat_id = factories.chat_id_for(user_id, chat_type)
        update = factories.make_message_update(
            update_id=self._new_update_id(),
            edited=edited,
            message_id=message_id or self._new_message_id(chat_id),
            user_id=user_id,
            language_code=language_code,
            chat_type=chat_type,
            date=int(time.time()),
            **content,
        )
        message = update[_update_type(update)]
        self._users[user_id] = message["from"]
        self._chats[chat_id] = message["chat"]
        self._messages[(chat_id, message["message_id"])] = _Stored(message, None)
        self._resident_last[chat_id] = message["message_id"]
        self.queue_update(update)
        return update

    def _keyboard_message(self, chat_id: int, message_id: int | None) -> _Stored:
        if message_id is not None:
            stored = self._messages.get((chat_id, message_id))
            if stored is None or stored.sent is None or stored.sent.deleted:
                raise LookupError(f"the bot has no message {message_id} in chat {chat_id}")
            return stored
        for sent in reversed(self._sent[chat_id]):
            if sent.buttons and not sent.deleted:
                return self._messages[(chat_id, sent.message_id)]
        raise LookupError(f"the bot sent no message with buttons to chat {chat_id}")

    def _language(self, user_id: int) -> str | None:
        user = self._users.get(user_id, {"language_code": "nb"})
        return user.get("language_code")

    def _new_update_id(self) -> int:
        self._next_update_id += 1
        return self._next_update_id - 1

    def _new_message_id(self, chat_id: int) -> int:
        self._last_ids[chat_id] += 1
        return self._last_ids[chat_id]

    def _wake(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    # --- observing -----------------------------------------------------------------------

    def calls(self, method: str) -> list[Recorded]:
        """Return every call of method (any letter case), failed ones included."""
        return [r for r in self.requests if r.method.lower() == method.lower()]

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        """Return the messages the bot sent to a chat, oldest first, deleted ones flagged."""
        return list(self._sent.get(chat_id, []))

    def my_commands(
        self, language_code: str = "", scope: str = "default"
    ) -> list[tuple[str, str]]:
        """Return the command menu set for a language, as (command, description) pairs."""
        return list(self.commands.get((scope, language_code), []))

    @property
    def pending_update_count(self) -> int:
        """Return how many updates are queued and not yet confirmed."""
        return len(self._pending)

    async def wait_for(
        self,
        predicate: Callable[[FakeBotAPI], bool],
        timeout: float = 15.0,  # noqa: ASYNC109 - a deadline for a predicate, not for I/O
    ) -> None:
        """Poll predicate until it holds, or fail with a summary of the latest calls."""
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout}s\n{self.summary()}")
            await asyncio.sleep(0.01)

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int,
        timeout: float = 15.0,  # noqa: ASYNC109 - a deadline for a predicate, not for I/O
    ) -> list[SentMessage]:
        """Wait until the bot has sent count messages to a chat, and return them all."""
        await self.wait_for(lambda api: len(api.sent_to(chat_id)) >= count, timeout)
        return self.sent_to(chat_id)

    def summary(self, last: int = 15) -> str:
        """Describe the pending updates and the latest calls other than getUpdates."""
        recent = [r for r in self.requests if r.method.lower() != "getupdates"][-last:]
        lines = [f"  {r.method} -> {r.status} {json.dumps(r.params)[:160]}" for r in recent]
        return f"{len(self._pending)} update(s) pending; latest calls:\n" + (
            "\n".join(lines) or "  (none)"
        )

    # --- webhook mode --------------------------------------------------------------------

    async def push_webhook(
        self, url: str, update: dict[str, Any], secret_token: str | None
    ) -> int:
        """POST an update to the bot's webhook as Telegram does; return the HTTP status.

        A 2xx answer confirms the update (it leaves the queue); a method in the answer body
        is executed, as Telegram does with replies made in the webhook response.
        """
        headers = {} if secret_token is None else {"X-Telegram-Bot-Api-Secret-Token": secret_token}
        timeout = aiohttp.ClientTimeout(total=30)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, json=update, headers=headers) as response,
        ):
            if 200 <= response.status < 300:
                self._forget(update["update_id"])
                reply = await _read_webhook_reply(response)
                if reply is not None:
                    await self._call(*reply)
            return response.status

    # --- API methods ---------------------------------------------------------------------

    def _bot_user(self) -> dict[str, Any]:
        user = factories.make_user(self.bot_id, is_bot=True, language_code=None)
        return user | {"first_name": "Innspill", "username": self.bot_username}

    async def _accept(self, params: Params, uploads: Uploads) -> bool:
        return True

    # Profile setters a bot may call on start; the fake only records them.
    _api_set_my_description = _api_set_my_short_description = _api_set_my_name = _accept

    async def _api_get_me(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        flags = {"can_join_groups": True, "can_read_all_group_messages": False}
        return self._bot_user() | flags | {"supports_inline_queries": False}

    async def _api_get_updates(self, params: Params, uploads: Uploads) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active;"
                " use deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older long poll gets its 409 below
        if "allowed_updates" in params:
            self._allowed = frozenset(params["allowed_updates"] or ()) or None
        self._confirm(params.get("offset"))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(int(params.get("timeout") or 0), 0)
        while True:
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing.is_set():
                return batch
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request;"
                    " make sure that only one bot instance is running",
                )
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), remaining)

    def _confirm(self, offset: int | None) -> None:
        """Forget updates below offset, as Telegram does; a queued redelivery survives once."""
        if offset is None:
            return
        if offset < 0:
            self._pending = self._pending[offset:]
            return
        self._pending = [
            p
            for p in self._pending
            if p.update["update_id"] >= offset or (p.redelivery and not p.delivered)
        ]

    def _forget(self, update_id: int) -> None:
        """Drop the first queued copy of an update, once a webhook call confirmed it."""
        for index, pending in enumerate(self._pending):
            if pending.update["update_id"] == update_id:
                del self._pending[index]
                return

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        def allowed(update: dict[str, Any]) -> bool:
            kind = _update_type(update)
            return kind in self._allowed if self._allowed else kind not in _OPT_IN_UPDATES

        # Telegram never stores updates of types the bot did not ask for.
        self._pending = [p for p in self._pending if allowed(p.update)]
        batch = self._pending[:limit]
        for pending in batch:
            pending.delivered = True
        return [p.update for p in batch]

    async def _api_set_webhook(self, params: Params, uploads: Uploads) -> bool:
        url = params.get("url", "")
        if not url:
            return await self._api_delete_webhook(params, uploads)
        if not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.fullmatch(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        if "allowed_updates" in params:
            self._allowed = frozenset(params["allowed_updates"] or ()) or None
        self.webhook = params
        self._wake()
        return True

    async def _api_delete_webhook(self, params: Params, uploads: Uploads) -> bool:
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self.webhook = None
        return True

    async def _api_get_webhook_info(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        hook = self.webhook or {}
        info: dict[str, Any] = {"url": hook.get("url", ""), "has_custom_certificate": False}
        info["pending_update_count"] = len(self._pending)
        if hook:
            info["max_connections"] = hook.get("max_connections", 40)
            if self._allowed:
                info["allowed_updates"] = sorted(self._allowed)
        return info

    def _commands_key(self, params: Params) -> tuple[str, str]:
        scope = params.get("scope") or {}
        return scope.get("type", "default"), params.get("language_code", "")

    async def _api_set_my_commands(self, params: Params, uploads: Uploads) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a list of at most 100 commands")
        for command in commands:
            if not _COMMAND_NAME.fullmatch(command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: command description is empty or too long")
        pairs = [(c["command"], c["description"]) for c in commands]
        self.commands[self._commands_key(params)] = pairs
        return True

    async def _api_get_my_commands(self, params: Params, uploads: Uploads) -> list[dict[str, str]]:
        pairs = self.commands.get(self._commands_key(params), [])
        return [{"command": c, "description": d} for c, d in pairs]

    async def _api_delete_my_commands(self, params: Params, uploads: Uploads) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    # --- messages ------------------------------------------------------------------------

    def _target(self, params: Params) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id in self._chats:
            return self._chats[chat_id]
        if chat_id > 0:
            return factories.make_chat(self._users.get(chat_id) or factories.make_user(chat_id))
        return {"id": chat_id, "type": "group", "title": f"Test group {-chat_id}"}

    def _deliver(self, chat_id: int, sent: SentMessage, content: dict[str, Any]) -> Params:
        """Store a bot message and return the Message object Telegram answers with."""
        sent.message_id = self._new_message_id(chat_id)
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "from": self._bot_user(),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        if sent.reply_markup:
            message["reply_markup"] = {"inline_keyboard": self._markup_echo(sent)}
        self._messages[(chat_id, sent.message_id)] = _Stored(message, sent)
        self._sent[chat_id].append(sent)
        return message

    @staticmethod
    def _markup_echo(sent: SentMessage) -> list[list[dict[str, str]]]:
        return [
            [{"text": text, "callback_data": data or ""} for text, data in row]
            for row in sent.reply_markup
        ]

    def _sent_message(
        self, chat_id: int, kind: str, plain: str, raw: str | None, params: Params
    ) -> SentMessage:
        markup = params.get("reply_markup")
        _check_markup(markup)
        return SentMessage(
            chat_id=chat_id,
            message_id=0,
            kind=kind,
            text=plain,
            raw_text=raw,
            parse_mode=params.get("parse_mode"),
            entities=[],
            reply_markup=_inline_rows(markup),
            keyboard=_keyboard_rows(markup),
        )

    async def _api_send_message(self, params: Params, uploads: Uploads) -> Params:
        chat_id = self._target(params)
        raw = params.get("text")
        plain, entities = _format(
            raw,
            params,
            entities_key="entities",
            limit=4096,
            too_long="Bad Request: message is too long",
        )
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        sent = self._sent_message(chat_id, "text", plain, raw, params)
        sent.entities = entities
        content: dict[str, Any] = {"text": plain}
        if entities:
            content["entities"] = entities
        return self._deliver(chat_id, sent, content)

    def _upload(self, params: Params, uploads: Uploads, name: str) -> tuple[str, str, bytes]:
        """Return (file_id, file name, content) of the file sent as parameter name."""
        value = params.get(name)
        if not isinstance(value, str) or not value:
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        if value.startswith("attach://"):
            filename, content = uploads.get(value.removeprefix("attach://"), ("", b""))
            if not content:
                raise ApiError(400, "Bad Request: file must be non-empty")
            file_id = f"{name}-upload-{len(self._files) + 1}"
            self._files[file_id] = (filename, content)
            return file_id, filename, content
        if value in self._files:
            return value, *self._files[value]
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    async def _send_file(self, params: Params, uploads: Uploads, kind: str) -> Params:
        chat_id = self._target(params)
        file_id, filename, content = self._upload(params, uploads, kind)
        raw = params.get("caption")
        plain, entities = _format(
            raw,
            params,
            entities_key="caption_entities",
            limit=1024,
            too_long="Bad Request: message caption is too long",
        )
        sent = self._sent_message(chat_id, kind, plain, raw, params)
        sent.entities, sent.file, sent.filename = entities, content, filename
        unique = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(content)}
        media: dict[str, Any]
        if kind == "photo":
            sizes = ((90, 68), (320, 240), (800, 600))
            media = {"photo": [unique | {"width": w, "height": h} for w, h in sizes]}
        else:
            mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            media = {"document": unique | {"file_name": filename, "mime_type": mime}}
        if plain:
            media["caption"] = plain
        if entities:
            media["caption_entities"] = entities
        return self._deliver(chat_id, sent, media)

    async def _api_send_photo(self, params: Params, uploads: Uploads) -> Params:
        return await self._send_file(params, uploads, "photo")

    async def _api_send_document(self, params: Params, uploads: Uploads) -> Params:
        return await self._send_file(params, uploads, "document")

    def _editable(self, params: Params, verb: str) -> _Stored:
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: inline messages are not supported by the fake")
        chat_id = self._target(params)
        stored = self._messages.get((chat_id, params.get("message_id", 0)))
        if stored is None or (stored.sent is not None and stored.sent.deleted):
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return stored

    async def _api_edit_message_text(self, params: Params, uploads: Uploads) -> Params:
        stored = self._editable(params, "edit")
        if stored.sent is None or stored.sent.kind != "text":
            raise ApiError(400, "Bad Request: message can't be edited")
        plain, entities = _format(
            params.get("text"),
            params,
            entities_key="entities",
            limit=4096,
            too_long="Bad Request: MESSAGE_TOO_LONG",
        )
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        new = self._sent_message(stored.sent.chat_id, "text", plain, params.get("text"), params)
        old = stored.sent
        if (plain, entities, new.reply_markup) == (old.text, old.entities, old.reply_markup):
            raise ApiError(400, NOT_MODIFIED)
        old.edits.append(old.text)
        old.text, old.raw_text, old.parse_mode = plain, new.raw_text, new.parse_mode
        old.entities, old.reply_markup, old.keyboard = entities, new.reply_markup, new.keyboard
        stored.message.update(text=plain, edit_date=int(time.time()))
        stored.message.pop("entities", None)
        if entities:
            stored.message["entities"] = entities
        self._echo_markup(stored)
        return stored.message

    async def _api_edit_message_reply_markup(self, params: Params, uploads: Uploads) -> Params:
        stored = self._editable(params, "edit")
        if stored.sent is None:
            raise ApiError(400, "Bad Request: message can't be edited")
        markup = params.get("reply_markup")
        _check_markup(markup)
        if _inline_rows(markup) == stored.sent.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        stored.sent.reply_markup = _inline_rows(markup)
        stored.message["edit_date"] = int(time.time())
        self._echo_markup(stored)
        return stored.message

    def _echo_markup(self, stored: _Stored) -> None:
        assert stored.sent is not None
        stored.message.pop("reply_markup", None)
        if stored.sent.reply_markup:
            stored.message["reply_markup"] = {"inline_keyboard": self._markup_echo(stored.sent)}

    async def _api_delete_message(self, params: Params, uploads: Uploads) -> bool:
        stored = self._editable(params, "delete")
        if stored.sent is not None:
            stored.sent.deleted = True
        else:
            del self._messages[(stored.message["chat"]["id"], stored.message["message_id"])]
        return True

    async def _api_answer_callback_query(self, params: Params, uploads: Uploads) -> bool:
        query_id = params.get("callback_query_id", "")
        if self._callbacks.pop(query_id, None) is None:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired"
                " or query ID is invalid",
            )
        if len(params.get("text", "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    async def _api_send_chat_action(self, params: Params, uploads: Uploads) -> bool:
        self._target(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _api_get_file(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        file_id = params.get("file_id", "")
        if file_id not in self._files:
            raise ApiError(400, "Bad Request: invalid file_id")
        size = len(self._files[file_id][1])
        # The file_id doubles as file_path: the download route looks it up directly.
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": size,
            "file_path": file_id,
        }


async def _read_webhook_reply(
    response: aiohttp.ClientResponse,
) -> tuple[str, dict[str, str], Uploads] | None:
    """Return (method, fields, uploads) of a method the bot answered a webhook call with."""
    fields: dict[str, str] = {}
    uploads: Uploads = {}
    if response.content_type == "application/json":
        body = await response.json()
        fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
    elif response.content_type.startswith("multipart/"):
        reader = aiohttp.MultipartReader(response.headers, response.content)
        while (part := await reader.next()) is not None:
            assert isinstance(part, aiohttp.BodyPartReader)
            if part.filename:
                uploads[part.name or ""] = (part.filename, bytes(await part.read()))
            else:
                fields[part.name or ""] = await part.text()
    method = fields.pop("method", None)
    return None if method is None else (method, fields, uploads)


@asynccontextmanager
async def running_fake_api(**kwargs: Any) -> AsyncIterator[FakeBotAPI]:
    """Run a FakeBotAPI for the duration of the block."""
    api = FakeBotAPI(**kwargs)
    await api.start()
    try:
        yield api
    finally:
        await api.stop()
