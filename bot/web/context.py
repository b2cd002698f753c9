"""The web workspace's context, built from what every command has (settings, storage, texts)."""

from typing import Protocol

from bot.content_files import load_page_texts
from bot.services.conversation import Conversations
from bot.settings import Settings
from bot.web.app import WebContext
from flows.content import Content
from flows.staff_texts import StaffTexts
from storage.database import Database


class Parts(Protocol):
    """What the workspace takes from the composition root's core."""

    @property
    def settings(self) -> Settings: ...
    @property
    def db(self) -> Database: ...
    @property
    def content(self) -> Content: ...
    @property
    def staff_texts(self) -> StaffTexts: ...
    @property
    def conversations(self) -> Conversations: ...


def workspace_context(core: Parts) -> WebContext:
    """Build what the web workspace needs from the core."""
    settings = core.settings
    return WebContext(
        db=core.db,
        content=core.content,
        texts=load_page_texts(),
        staff_texts=core.staff_texts,
        clock=core.conversations.clock,
        zone=settings.zone,
        weights=settings.priority_weights,
        public_url=settings.workspace_url,
    )
