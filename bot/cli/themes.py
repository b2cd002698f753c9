"""Theme commands for staff in a terminal: ``innspill themes …``."""

import argparse
import csv
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from sqlalchemy.engine import Engine

from bot.cli.words import counted
from bot.jobs.themes import assign_pending
from bot.services.themes import MergeRefused, merge_themes, rebuild_themes, summaries
from bot.services.themes import rename_theme as rename
from flows.callback import ID_MAX, record_id
from storage.models import THEME_LABEL_MAX

Clock = Callable[[], datetime]


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
