"""Theme commands for staff: ``innspill themes …`` in a terminal and ``/theme`` in Telegram."""

import argparse
import csv
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from sqlalchemy.engine import Engine

from bot.cli.words import counted
from bot.jobs.themes import MergeRefused, assign_pending, merge_themes, rebuild_themes, summaries
from bot.jobs.themes import rename_theme as rename
from flows.callback import ID_MAX, record_id
from flows.digest import SMALL, shown
from flows.staff_texts import StaffTexts
from storage.models import THEME_LABEL_MAX

Clock = Callable[[], datetime]
TELEGRAM_THEMES = 10  # /theme lists this many, with
TELEGRAM_QUOTES = 2  # this many quotes each: one message


def run_themes(engine: Engine, args: argparse.Namespace, *, clock: Clock, out: TextIO) -> int:
    """Run one ``innspill themes`` sub-command; return the exit status."""
    match args.themes_command:
        case "assign":
            given = assign_pending(engine, clock=clock)
            out.write(f"{counted(given, 'problem')} given a theme\n")
        case "rebuild":
            since = datetime.combine(args.since, datetime.min.time(), UTC) if args.since else None
            done = rebuild_themes(engine, now=clock(), since=since)
            grouped = counted(done.problems, "problem")
            out.write(f"{grouped} grouped into {counted(done.themes, 'theme')}\n")
        case "list":
            assign_pending(engine, clock=clock)  # so that the list shows every problem
            _write_list(engine, args.limit, out, args.format)
        case "rename" | "merge" if (wrong := _not_an_id(args)) is not None:
            out.write(f"innspill: themes {args.themes_command}: {wrong}\n")
            return 1
        case "rename":
            return _rename(engine, args.theme, args.label, out)
        case "merge":
            try:
                moved = merge_themes(engine, keep=args.keep, absorb=args.absorb, now=clock())
            except MergeRefused as refused:
                out.write(f"innspill: {refused}\n")
                return 1
            out.write(
                f"{counted(moved, 'problem')} moved from theme {args.absorb} to {args.keep}\n"
            )
    return 0


LIST_HEADER = ("THEME", "PROBLEMS", "LABEL")


def _not_an_id(args: argparse.Namespace) -> str | None:
    """Name the theme id argument that no theme can have, or return None."""
    for name in ("theme", "keep", "absorb"):
        value = getattr(args, name, None)
        if value is not None and record_id(str(value)) is None:
            return f"{name.upper()} {value} is not a theme id (1 to {ID_MAX})"
    return None


def _write_list(engine: Engine, limit: int, out: TextIO, file_format: str = "table") -> None:
    found = summaries(engine, limit=limit)
    if file_format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("theme", "problems", "label", "quotes"))
        writer.writerows((t.id, t.count, t.label, " | ".join(t.quotes)) for t in found)
        return
    if not found:
        out.write("no themes yet\n")
        return
    rows = [LIST_HEADER, *((str(t.id), str(t.count), t.label) for t in found)]
    id_width, count_width = (max(len(row[i]) for row in rows) for i in (0, 1))
    indent = " " * (id_width + count_width + 4)
    for row, theme in zip(rows, (None, *found), strict=True):
        out.write(f"{row[0]:>{id_width}}  {row[1]:>{count_width}}  {row[2]}".rstrip() + "\n")
        for quote in theme.quotes if theme else ():
            out.write(f"{indent}«{quote}»\n")


def _rename(engine: Engine, theme_id: int, label: str, out: TextIO) -> int:
    if len(label) > THEME_LABEL_MAX:
        out.write(f"innspill: a label has at most {THEME_LABEL_MAX} characters\n")
        return 1
    if not rename(engine, theme_id, label):
        out.write(f"innspill: there is no theme {theme_id}\n")
        return 1
    out.write(f"theme {theme_id} is now called {label or '(its automatic label)'}\n")
    return 0


def staff_reply(
    engine: Engine, argument: str, language: str, *, texts: StaffTexts, clock: Clock
) -> str:
    """Answer "/theme", "/theme rename ID LABEL" or "/theme merge KEEP ABSORB" as HTML."""
    words = argument.split(maxsplit=2)
    action = words[0].lower() if words else "list"
    ids = [record_id(w) for w in words[1:]]
    numbers = [i for i in ids if i is not None]
    if action == "list" and len(words) <= 1:
        return _listing(engine, texts, language, clock)
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


def _listing(engine: Engine, texts: StaffTexts, language: str, clock: Clock) -> str:
    assign_pending(engine, clock=clock)  # cheap when the scheduler keeps up
    found = summaries(engine, limit=TELEGRAM_THEMES, quotes=TELEGRAM_QUOTES, language=language)
    if not found:
        return texts.html("theme_none", language)
    lines = [texts.html("theme_title", language)]
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
