"""``innspill workshop create|list`` and ``innspill import``: workshops from the command line."""

import argparse
import asyncio
from collections.abc import Callable, Coroutine
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import Engine

from bot.importer import ImportFailed, import_file
from bot.settings import Settings
from bot.workshops import (
    create_workshop,
    qr_png,
    render_workshops,
    resolve,
    resolve_area,
    workshop_stats,
)
from flows.content import load_content
from flows.follow_up import DEFAULT_FOLLOW_UPS
from flows.render import strip_tags

Clock = Callable[[], datetime]
Username = Callable[[Settings], Coroutine[object, object, str]]


def add_workshop_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``workshop create``, ``workshop list`` and ``import``."""
    workshop = sub.add_parser("workshop", help="problem workshops: links, QR codes, follow-ups")
    actions = workshop.add_subparsers(dest="workshop_command", required=True)
    create = actions.add_parser("create", help="create a workshop; print its link, write its QR")
    create.add_argument("--name", required=True, help='e.g. "Seniortreff på Biri"')
    create.add_argument("--group", required=True, help="a group's key or name")
    create.add_argument("--area", required=True, help="an area's key or name")
    create.add_argument("--date", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    create.add_argument(
        "--followups", default=DEFAULT_FOLLOW_UPS, help="offsets, e.g. 1d,14d ('' for none)"
    )
    create.add_argument("--code", default="", help="choose the code (default: a random one)")
    create.add_argument("--qr", type=Path, help="PNG file to write (default: workshop-CODE.png)")
    create.add_argument("--bot-username", help="the bot's username (default: ask Telegram)")
    actions.add_parser("list", help="list workshops with participants, problems, answers")
    notes = sub.add_parser("import", help="import problems from a CSV file of workshop notes")
    notes.add_argument("file", type=Path, help="CSV: text, group, area, frequency, severity, …")
    notes.add_argument("--workshop", default="", help="tag every row with this workshop code")
    notes.add_argument(
        "--skip-invalid", action="store_true", help="import the valid rows, list the others"
    )


def run_workshop(
    settings: Settings,
    engine: Engine,
    args: argparse.Namespace,
    *,
    clock: Clock,
    username: Username,
    out: TextIO,
    err: TextIO,
) -> int:
    """Run ``workshop create`` or ``workshop list``; return the exit status."""
    if args.workshop_command == "list":
        text = render_workshops(workshop_stats(engine), "en", lambda value: value)
        out.write(strip_tags(text) + "\n")
        return 0
    content = load_content(settings.interview_file)
    try:
        group = resolve(args.group, content.groups, "group")
        area = resolve_area(args.area, content)
        name = args.bot_username or asyncio.run(username(settings))
        made = create_workshop(
            engine,
            name=args.name,
            group=group,
            area=area,
            held_on=args.date,
            followups=args.followups,
            now=clock(),
            zone=settings.zone,
            bot_username=name,
            code=args.code,
        )
    except ValueError as error:
        err.write(f"innspill: {error}\n")
        return 1
    target = args.qr or Path(f"workshop-{made.code}.png")
    target.write_bytes(qr_png(made.link))
    out.write(f"{made.link}\ncode {made.code}; QR code written to {target}\n")
    return 0


def run_import(
    settings: Settings,
    engine: Engine,
    args: argparse.Namespace,
    *,
    clock: Clock,
    out: TextIO,
    err: TextIO,
) -> int:
    """Run ``import``; return 1 if a row was invalid (then, without --skip-invalid, none is)."""
    content = load_content(settings.interview_file)
    try:
        report = import_file(
            engine,
            args.file,
            content,
            workshop=args.workshop,
            skip_invalid=args.skip_invalid,
            now=clock(),
        )
    except ImportFailed as error:
        err.write(f"innspill: {args.file}: {error}\n")
        return 1
    for row in report.invalid:
        err.write(f"{args.file}: line {row.line}: {row.reason}\n")
    if report.invalid and not args.skip_invalid:
        err.write(f"innspill: nothing imported; fix the {len(report.invalid)} rows above\n")
        return 1
    out.write(
        f"{report.imported} problems imported, {report.duplicates} already there, "
        f"{len(report.invalid)} rows skipped\n"
    )
    return 0
