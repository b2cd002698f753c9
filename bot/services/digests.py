"""Digests for staff: query a period, build it with the pure builder, and send it.

``DigestBuilder`` is the only place that assembles a digest (text, chart, spreadsheet) and
the files of ``/export``; ``send_package`` delivers one, resuming after the parts already sent.
"""

import io
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.artefacts.chart import chart_texts, digest_chart
from bot.artefacts.reports import write_csv
from bot.artefacts.workbook import Words, write_workbook
from bot.services.translation import Translator, translated_records
from flows.content import Content
from flows.digest import QUOTE_CHARS, Digest, Quote, render_stats, trim
from flows.digest_sums import DigestSums, sums_digest
from flows.digest_text import DETAILS, Section, Writer, render_digest, render_digest_plain
from flows.loop_digest import loop_section
from flows.periods import Period, period_dates, previous, rolling_period
from flows.priority import DEFAULT_WEIGHTS, Weights
from flows.privacy import mask_personal_data
from flows.records import ProblemRecord, label_in
from flows.render import split_message
from flows.staff_texts import StaffTexts
from flows.trend import EARLIER_PERIODS, week_bounds
from flows.workshop_stats import workshop_section
from storage import queries
from storage.database import Database

if TYPE_CHECKING:  # aiogram takes seconds to import: `innspill digest --print` does without
    from bot.telegram.delivery import Delivery

ROLLING_DAYS = 7  # /digest, /stats and `innspill digest`: the last 7 days up to now
# Matplotlib is not thread-safe, and digests are built in worker threads: one chart at a time.
_CHARTING = threading.Lock()


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that goes with a digest or an export."""

    kind: Literal["photo", "document"]
    filename: str
    content: bytes
    caption: str  # HTML, escaped


@dataclass(frozen=True, slots=True)
class Package:
    """A digest ready to send: HTML messages, then its chart and spreadsheet."""

    messages: tuple[str, ...]
    attachments: tuple[Attachment, ...] = ()

    @property
    def parts(self) -> int:
        """Return how many Telegram messages the package takes."""
        return len(self.messages) + len(self.attachments)


class DigestBuilder:
    """Build digests, statistics and exports from the database (blocking: run in a thread)."""

    def __init__(
        self,
        *,
        db: Database,
        content: Content,
        texts: StaffTexts,
        zone: ZoneInfo,
        weights: Weights = DEFAULT_WEIGHTS,
        translator: Translator | None = None,
    ) -> None:
        self.db = db
        self.content = content
        self.texts = texts
        self.zone = zone
        self.weights = weights  # PRIORITY_WEIGHTS
        self.translator = translator  # TRANSLATE_URL; None: quotes as written

    def names(self, language: str) -> Callable[[str], str]:
        """Return display names of groups and areas in ``language``."""
        return lambda key: self.content.name(key, language)

    def records(
        self, period: Period, language: str = "nb"
    ) -> tuple[list[ProblemRecord], list[ProblemRecord]]:
        """Return the problems of ``period`` and of the period before it (blocked left out)."""
        return self.db.call(
            _records, period=period, before=previous(period, self.zone), language=language
        )

    def translated(
        self, records: Sequence[ProblemRecord], language: str, *, first: Sequence[int] = ()
    ) -> list[ProblemRecord]:
        """Return ``records`` with their machine translations into ``language``, if any.

        The problems ``first`` names are asked for before the rest (a digest's quotes).
        """
        return translated_records(self.translator, records, language, first=first)

    def digest(self, period: Period, language: str) -> Digest:
        """Build the digest of ``period`` for a reader of ``language`` from database counts."""
        periods = [previous(period, self.zone)]
        while len(periods) < EARLIER_PERIODS:
            periods.append(previous(periods[-1], self.zone))
        # Only reads: on SQLite no writer waits for it, on PostgreSQL its passes run side by
        # side on one snapshot (storage/together.py).
        sums, quotes = self.db.read_now(
            count_digest,
            period=period,
            earlier=periods,
            weeks=week_bounds(period.end, self.zone),
            weights=self.weights,
            language=language,
        )
        digest = sums_digest(sums, period, quotes, self.weights)
        if self.translator is None:
            return digest
        quoted = [q.problem_id for q in (*digest.severe, *digest.quotes)]
        records = self.db.call(queries.problem_records, ids=quoted, language=language)
        found = {r.id: r.text_translated for r in self.translated(records, language)}
        found = {key: text for key, text in found.items() if text}
        severe, quotes = _with(digest.severe, found), _with(digest.quotes, found)
        return replace(digest, severe=severe, quotes=quotes)

    def sections(self, period: Period, language: str) -> list[Section]:
        """Return the digest's detail sections: the period's workshops, then "You said, we did"."""
        stats = self.db.call(queries.list_workshops, since=period.start, until=period.end)
        changes = self.db.call(queries.changes_between, since=period.start, until=period.end)

        def workshops(_: Digest, w: Writer) -> list[str]:
            text = workshop_section(stats, self.texts, w.language, html=w.html)
            return [text] if text else []

        def loop(_: Digest, w: Writer) -> list[str]:
            text = loop_section(changes, self.texts, w.language, html=w.html)
            return [text] if text else []

        return [*DETAILS, workshops, loop]

    def package(self, period: Period, language: str, *, rolling: bool = False) -> Package:
        """Build the digest of ``period``: text, and a chart and XLSX when there is anything."""
        digest = self.digest(period, language)
        names = self.names(language)
        sections = self.sections(period, language)
        text = render_digest(digest, self.texts, language, names, self.zone, sections)
        if rolling:
            text = self.texts.html("digest_rolling", language) + "\n\n" + text
        messages = tuple(split_message(text))
        if not digest.problems:
            return Package(messages)
        # The spreadsheet lists the period's problems: the one part that loads them all.
        current = self.db.call(
            queries.problem_records,
            since=period.start,
            until=period.end,
            hide_blocked=True,
            language=language,
        )
        current = self.translated(current, language)
        start, end = period_dates(period, self.zone)
        with _CHARTING:
            chart = digest_chart(digest, chart_texts(self.texts, language, digest, self.zone))
        caption = self.texts.html("chart_title", language, start=start, end=end)
        stem = self._stem(period)
        return Package(
            messages,
            (
                Attachment("photo", f"{stem}.png", chart, caption),
                self._spreadsheet(current, "xlsx", stem, language, f"{start}–{end}"),
            ),
        )

    def plain(self, period: Period, language: str) -> str:
        """Render the digest of ``period`` as plain text (for the terminal)."""
        digest = self.digest(period, language)
        sections = self.sections(period, language)
        names = self.names(language)
        return render_digest_plain(digest, self.texts, language, names, self.zone, sections)

    def stats(self, now: datetime, language: str) -> str:
        """Render the two-line count: the last 7 days and all time."""
        period = rolling_period(now, ROLLING_DAYS)
        recent, total = self.db.call(_counts, period=period)
        return render_stats(recent, total, period, self.texts, language, self.zone)

    def export(self, file_format: str, period: Period | None, language: str) -> Attachment:
        """Build a CSV or XLSX file of every problem, or of those in ``period``."""
        since, until = (period.start, period.end) if period else (None, None)
        records = self.db.call(
            queries.problem_records, since=since, until=until, language=language
        )
        records = self.translated(records, language)
        if period is None:
            shown = self.texts.html("export_all", language)
            return self._spreadsheet(records, file_format, "innspill", language, shown)
        start, end = period_dates(period, self.zone)
        stem = self._stem(period)
        return self._spreadsheet(records, file_format, stem, language, f"{start}–{end}")

    def _spreadsheet(
        self,
        records: Sequence[ProblemRecord],
        file_format: str,
        stem: str,
        language: str,
        shown: str,
    ) -> Attachment:
        buffer = io.BytesIO()
        if file_format == "csv":
            write_csv(records, buffer, zone=self.zone)
        else:
            words = Words(self.texts, language, self.names(language), label_in(language))
            statuses = self.db.call(
                queries.theme_statuses, theme_ids={r.theme for r in records if r.theme}
            )
            write_workbook(
                records, buffer, words, zone=self.zone, weights=self.weights, statuses=statuses
            )
        count = str(len(records))
        caption = self.texts.html("export_caption", language, count=count, range=shown)
        return Attachment("document", f"{stem}.{file_format}", buffer.getvalue(), caption)

    def _stem(self, period: Period) -> str:
        first = period.start.astimezone(self.zone).date()
        last = (period.end - timedelta(microseconds=1)).astimezone(self.zone).date()
        return f"innspill-{first:%Y-%m-%d}-{last:%Y-%m-%d}"


def _with(quotes: Sequence[Quote], found: Mapping[int, str]) -> tuple[Quote, ...]:
    """Return ``quotes`` with the translations ``found`` for them, masked and cut like them."""
    return tuple(
        replace(q, translated=trim(mask_personal_data(found[q.problem_id]), QUOTE_CHARS))
        if q.problem_id in found
        else q
        for q in quotes
    )


def _records(
    session: Session, *, period: Period, before: Period, language: str
) -> tuple[list[ProblemRecord], list[ProblemRecord]]:
    current = queries.problem_records(
        session=session,
        since=period.start,
        until=period.end,
        hide_blocked=True,
        language=language,
    )
    earlier = queries.problem_records(
        session=session,
        since=before.start,
        until=before.end,
        hide_blocked=True,
        language=language,
    )
    return current, earlier


def count_digest(
    session: Session,
    *,
    period: Period,
    earlier: Sequence[Period],
    weeks: Sequence[datetime],
    weights: Weights,
    language: str,
) -> tuple[DigestSums, tuple[Quote, ...]]:
    """Count the digest of ``period`` in the database and pick its quotes."""
    return queries.digest_sums(
        session=session,
        period=period,
        before=earlier[0],
        earlier=earlier,
        weeks=weeks,
        weights=weights,
        language=language,
    )


def _counts(session: Session, *, period: Period) -> tuple[int, int]:
    """Return how many problems came in ``period`` and how many in all."""
    recent = queries.count_problems_between(session=session, since=period.start, until=period.end)
    return recent, queries.count_problems(session=session)


Progress = Callable[[int], Awaitable[bool]]


class LeaseLost(RuntimeError):
    """Another process took over a digest whose lease ran out; stop sending it."""


async def send_package(
    delivery: "Delivery",
    chat_id: int,
    package: Package,
    *,
    skip: int = 0,
    progress: Progress | None = None,
) -> None:
    """Send a package's messages, chart and file, starting after the first ``skip`` parts.

    ``progress`` is told how many parts Telegram accepted after each one.
    """
    index = 0
    for text in package.messages:
        index += 1
        if index > skip:
            await delivery.send_text(chat_id, text)
            await _progress(progress, index)
    for item in package.attachments:
        index += 1
        if index > skip:
            if item.kind == "photo":
                await delivery.send_photo(chat_id, item.content, item.filename, item.caption)
            else:
                await delivery.send_document(chat_id, item.content, item.filename, item.caption)
            await _progress(progress, index)


async def _progress(progress: Progress | None, sent: int) -> None:
    if progress is not None and not await progress(sent):
        raise LeaseLost(f"lease lost after {sent} parts")
