"""``innspill workshop create|list`` and ``innspill import``: workshops from the command line."""

import argparse
import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import Engine

from bot.cli.importer import ImportFailed, import_file
from bot.cli.words import counted
from bot.content_files import load_content, load_staff_texts
from bot.services.workshops import (
    create_workshop,
    poster_text,
    qr_png,
    render_workshops,
    resolve,
    resolve_area,
    workshop_stats,
)
from bot.settings import Settings
from flows.follow_up import DEFAULT_FOLLOW_UPS

Clock = Callable[[], datetime]
Username = Callable[[Settings], Coroutine[object, object, str]]


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
        text = render_workshops(workshop_stats(engine), load_staff_texts(), "en", html=False)
        out.write(text + "\n")
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
            followups=DEFAULT_FOLLOW_UPS if args.followups is None else args.followups,
            now=clock(),
            zone=settings.zone,
            bot_username=name,
            code=args.code,
        )
    except ValueError as error:
        err.write(f"innspill: {error}\n")
        return 1
    target = args.qr or Path(f"workshop-{made.code}.png")
    if args.qr_only:
        target.write_bytes(qr_png(made.link))
        out.write(f"{made.link}\ncode {made.code}; QR code written to {target}\n")
        return 0
    from bot.artefacts.poster import poster_pdf, poster_png  # matplotlib: only for posters

    words = poster_text(made, content, load_staff_texts())
    target.write_bytes(poster_png(words))
    target.with_suffix(".pdf").write_bytes(poster_pdf(words))
    out.write(
        f"{made.link}\ncode {made.code}; A4 poster written to {target} "
        f"and {target.with_suffix('.pdf')}\n"
    )
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
            zone=settings.zone,
        )
    except ImportFailed as error:
        err.write(f"innspill: {args.file}: {error}\n")
        return 1
    for row in report.invalid:
        err.write(f"{args.file}: line {row.line}: {row.reason}\n")
    if report.invalid and not args.skip_invalid:
        rows = counted(len(report.invalid), "row above", "rows above")
        err.write(f"innspill: nothing imported; fix the {rows}\n")
        return 1
    out.write(
        f"{counted(report.imported, 'problem')} imported, {report.duplicates} already there, "
        f"{counted(len(report.invalid), 'row')} skipped\n"
    )
    return 0
