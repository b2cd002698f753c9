"""Machine translation through a LibreTranslate-compatible API: residents' words for staff,
and staff's status notes for residents.

Optional (``TRANSLATE_URL``): LibreTranslate is open source and runs inside the municipality,
so no resident text leaves it. Each problem is translated once per staff language, each note
once per resident language, and kept in the database. A translator that is slow or down never
holds up a digest, an export or a status message: one call spends at most ``timeout`` seconds
on the network in all, and after a failure the translator is left alone for ``PAUSE`` seconds;
whatever is not translated is shown in the original.
"""

import asyncio
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flows.records import ProblemRecord
from storage import queries
from storage.database import Database

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)
PAUSE = 60.0  # seconds without asking after a failure
# A language pair the server refuses (HTTP 400: it does not offer it) is not asked again for
# this long; a server upgraded with the language is asked again after it, or after a restart.
REFUSED_PAUSE = 6 * 3600.0
CHUNK = 25  # texts per request
# Staff languages as LibreTranslate names them: it has no nynorsk, bokmål is nearest.
_CODES = {"nn": "nb", "no": "nb"}
_UNKNOWN = frozenset({"", "unknown", "und"})
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Original:
    """A problem's text to translate, with the language it was detected in."""

    problem_id: int
    text: str
    language: str


class TranslatorError(RuntimeError):
    """The translation server did not answer usefully; the message names why, never the text."""

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused  # it works but will not do this (e.g. an unknown language pair)


class Translator:
    """Translate problems into a staff language, from the cache first, within a time budget."""

    def __init__(
        self, *, db: Database, url: str, api_key: str = "", timeout: float, clock: Clock
    ) -> None:
        self.db = db
        self.url = url.rstrip("/") + "/translate"
        self.api_key = api_key
        self.timeout = timeout
        self.clock = clock
        self._resting_until = 0.0  # time.monotonic() before which the server is left alone
        self._refused: dict[tuple[str, str], float] = {}  # pair → monotonic time to ask again
        self._lock = threading.Lock()
        self._notes = threading.Lock()  # one note at a time: several senders of it ask once

    async def translations(self, problems: Sequence[Original], target: str) -> dict[int, str]:
        """Return {problem id: text in ``target``} for those translated (the web workspace)."""
        return await asyncio.to_thread(self.translate, problems, target)

    def translate(self, problems: Sequence[Original], target: str) -> dict[int, str]:
        """Return {problem id: text in ``target``}, blocking (digest builders' worker threads).

        Problems already in ``target``'s language are left out; so is what the time budget or
        a failing server did not allow.
        """
        goal = _CODES.get(target, target)
        wanted = [p for p in problems if p.text.strip() and _source(p.language) != goal]
        if not wanted:
            return {}
        pairs = [(p.problem_id, p.text) for p in wanted]
        found = self.db.call(queries.cached_translations, problems=pairs, target=target)
        missing = [p for p in wanted if p.problem_id not in found]
        fresh = self._fetch(missing, goal) if missing else {}
        if fresh:
            originals = {p.problem_id: p.text for p in missing}
            self.db.call(
                queries.store_translations,
                translations={i: (originals[i], text) for i, text in fresh.items()},
                target=target,
                now=self.clock(),
            )
        return found | fresh

    def translate_note(self, note: str, language: str, target: str) -> str:
        """Return a staff note (written in ``language``) in ``target``, blocking.

        "" when the note is in ``target`` already, or the cache does not have it and the time
        budget or a failing server did not allow it: the resident then reads the note alone.
        """
        goal = _CODES.get(target, target)
        if not note.strip() or _source(language) == goal:
            return ""
        with self._notes:
            found = self.db.call(queries.note_translations, notes=[note], target=target)
            translated = found.get(note)
            if translated is None:
                fresh = self._fetch([Original(0, note, language)], goal)
                translated = fresh.get(0, "")
                if translated:
                    self.db.call(
                        queries.store_note_translation,
                        note=note,
                        target=target,
                        text=translated,
                        now=self.clock(),
                    )
        return "" if translated.strip() == note.strip() else translated

    def warm_notes(self, notes: Sequence[tuple[str, str]], targets: Sequence[str]) -> int:
        """Translate (note, language) pairs into each of ``targets`` not done yet; return how many.

        Run by the scheduler after the status news, so /mine finds translations in the database
        also for residents who get no message.
        """
        done, texts = 0, [note for note, _ in notes]
        for target in targets:
            known = self.db.call(queries.note_translations, notes=texts, target=target)
            for note, language in notes:
                if note in known:
                    continue
                if not self._awake():
                    return done
                done += bool(self.translate_note(note, language, target))
        return done

    def _fetch(self, problems: Sequence[Original], goal: str) -> dict[int, str]:
        """Ask for ``problems`` by source language, in their order, until the budget is spent."""
        deadline = time.monotonic() + self.timeout
        found: dict[int, str] = {}
        by_source: dict[str, list[Original]] = {}
        for problem in problems:
            by_source.setdefault(_source(problem.language), []).append(problem)
        for source, group in by_source.items():  # the language of the first problem first
            if self._refuses(source, goal):
                continue
            for start in range(0, len(group), CHUNK):
                left = deadline - time.monotonic()
                if left <= 0 or not self._awake():
                    return found
                chunk = group[start : start + CHUNK]
                try:
                    texts = self._post([p.text for p in chunk], source, goal, left)
                except TranslatorError as error:
                    log.warning("translation %s→%s failed: %s", source, goal, error)
                    if error.refused:  # this language pair only: go on with the next source
                        with self._lock:
                            self._refused[source, goal] = time.monotonic() + REFUSED_PAUSE
                        break
                    self._rest()
                    return found
                found.update((p.problem_id, t) for p, t in zip(chunk, texts, strict=True) if t)
        return found

    def _awake(self) -> bool:
        with self._lock:
            return time.monotonic() >= self._resting_until

    def _refuses(self, source: str, goal: str) -> bool:
        """Tell whether the server refused this pair lately (so it is not asked again yet)."""
        with self._lock:
            return time.monotonic() < self._refused.get((source, goal), 0.0)

    def _rest(self) -> None:
        with self._lock:
            self._resting_until = time.monotonic() + PAUSE

    def _post(self, texts: list[str], source: str, goal: str, timeout: float) -> list[str]:
        """POST one LibreTranslate /translate request; return the translations in order."""
        body: dict[str, Any] = {"q": texts, "source": source, "target": goal, "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        request = urllib.request.Request(
            self.url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            refused = error.code == 400  # LibreTranslate: a language it does not offer
            raise TranslatorError(
                f"TRANSLATE_URL answered HTTP {error.code}", refused=refused
            ) from None
        except (OSError, ValueError) as error:  # refused, timed out, not JSON
            raise TranslatorError(f"TRANSLATE_URL unusable: {type(error).__name__}") from None
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if isinstance(translated, str) and len(texts) == 1:
            translated = [translated]  # some servers answer one text with a string
        if not (isinstance(translated, list) and len(translated) == len(texts)):
            raise TranslatorError("TRANSLATE_URL answered without translatedText for each text")
        return [str(text).strip() for text in translated]


def _source(language: str) -> str:
    """Return the LibreTranslate code of a detected language ("auto" when unknown)."""
    code = language.split("-")[0].lower()
    return "auto" if code in _UNKNOWN else _CODES.get(code, code)


def make_translator(settings: "Settings", db: Database, clock: Clock) -> Translator | None:
    """Return the translator ``TRANSLATE_URL`` names, or None when it is unset."""
    if not settings.translate_url:
        return None
    key = settings.translate_api_key.get_secret_value() if settings.translate_api_key else ""
    return Translator(
        db=db,
        url=settings.translate_url,
        api_key=key,
        timeout=settings.translate_timeout,
        clock=clock,
    )


def translated_records(
    translator: Translator | None,
    records: Sequence[ProblemRecord],
    language: str,
    *,
    first: Sequence[int] = (),
) -> list[ProblemRecord]:
    """Return ``records`` with ``text_translated`` into ``language`` where a translation exists.

    The problems ``first`` names are asked for before the rest (a digest's quotes).
    """
    if translator is None:
        return list(records)
    wanted = set(first)
    ordered = sorted(records, key=lambda r: r.id not in wanted)  # stable: otherwise as given
    found = translator.translate([Original(r.id, r.text, r.language) for r in ordered], language)
    return [replace(r, text_translated=found.get(r.id, "")) for r in records]
