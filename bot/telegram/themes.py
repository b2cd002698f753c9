"""The Telegram ``/theme`` command: list the themes, rename one, merge two."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.services.themes import MergeRefused, merge_themes, summaries
from bot.services.themes import rename_theme as rename
from flows.callback import record_id
from flows.digest import SMALL, shown
from flows.staff_texts import StaffTexts
from storage import queries
from storage.engine import session_scope
from storage.models import THEME_LABEL_MAX

Clock = Callable[[], datetime]
Assign = Callable[[], int]  # give a few waiting problems their theme; return how many
TELEGRAM_THEMES = 10  # /theme lists this many, with
TELEGRAM_QUOTES = 2  # this many quotes each: one message
LISTING_SHARE = 500  # problems /theme gives a theme before listing (a few seconds at most)


def theme_reply(
    engine: Engine,
    argument: str,
    language: str,
    *,
    texts: StaffTexts,
    clock: Clock,
    assign: Assign,
) -> str:
    """Answer "/theme", "/theme rename ID LABEL" or "/theme merge KEEP ABSORB" as HTML.

    The list first gives the problems still waiting their theme (``assign``: a bounded share,
    by the bot's own assigner) and says how many are left when a backlog remains.
    """
    words = argument.split(maxsplit=2)
    action = words[0].lower() if words else "list"
    ids = [record_id(w) for w in words[1:]]
    numbers = [i for i in ids if i is not None]
    if action == "list" and len(words) <= 1:
        return _listing(engine, texts, language, assign)
    if action == "rename" and len(words) == 3 and ids[0] is not None:
        label = " ".join(words[2].split())
        if 0 < len(label) <= THEME_LABEL_MAX and rename(engine, numbers[0], label):
            return texts.html("theme_renamed", language, id=words[1], label=label)
        return texts.html("theme_unknown", language, id=words[1])
    if action == "merge" and len(words) == 3 and len(numbers) == 2:
        keep, absorb = numbers
        try:
            moved = merge_themes(engine, keep=keep, absorb=absorb, now=clock())
        except MergeRefused:
            return texts.html("theme_refused", language, keep=str(keep), absorb=str(absorb))
        return texts.html(
            "theme_merged",
            language,
            keep=str(keep),
            absorb=str(absorb),
            count=str(moved),
        )
    return texts.html("theme_usage", language)


def _listing(engine: Engine, texts: StaffTexts, language: str, assign: Assign) -> str:
    assign()  # what was saved a moment ago; an import's backlog goes on in the background
    with session_scope(engine) as session:
        waiting = queries.theme_backlog(session=session)
    found = summaries(engine, limit=TELEGRAM_THEMES, quotes=TELEGRAM_QUOTES, language=language)
    pending = [texts.html("theme_pending", language, count=str(waiting))] if waiting else []
    if not found:
        return "\n".join([texts.html("theme_none", language), *pending])
    lines = [texts.html("theme_title", language), *pending]
    for theme in found:
        count = shown(theme.count)
        lines.append(
            texts.html(
                "theme_item",
                language,
                id=str(theme.id),
                label=theme.label,
                count=count,
            )
        )
        # A theme of fewer than SMALL problems is listed, but its words could single someone out.
        if theme.count >= SMALL:
            lines += [texts.html("theme_quote", language, quote=q) for q in theme.quotes]
    lines.append(texts.html("theme_help", language))
    return "\n".join(lines)
