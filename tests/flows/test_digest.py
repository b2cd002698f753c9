"""The staff digest: counts, small-count masking, quotes, escaping, periods and splitting."""

import html
import re
import tomllib
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from flows.digest import Digest, build_digest, render_stats
from flows.digest_text import render_digest, render_digest_plain
from flows.periods import Period, previous, rolling_period, week_period
from flows.records import ProblemRecord
from flows.render import split_message
from tests.packaged import staff_texts

OSLO = ZoneInfo("Europe/Oslo")
WEEK = week_period(datetime(2026, 11, 30, 8, 0, tzinfo=OSLO), OSLO)  # Mon 23.11.–Sun 29.11.
NAMES = {
    "sentrum": "Sentrum",
    "biri": "Biri",
    "hunndalen": "Hunndalen",
    "snertingdal": "Snertingdal",
    "eldre": "Eldre",
    "barnefamilier": "Barnefamilier",
    "ungdom": "Ungdom",
}
TEXT = "Bussen til sentrum går for sjelden om kvelden og i helgene"


def record(n: int, **changes: object) -> ProblemRecord:
    values: dict[str, object] = {
        "id": n,
        "created_at": WEEK.start + timedelta(hours=n),
        "resident": f"r{n}",
        "text": f"{TEXT} ({n})",
        "language": "nb",
        "area": "sentrum",
        "groups": ("eldre",),
    }
    values.update(changes)
    return ProblemRecord(**values)  # type: ignore[arg-type]


def render(digest: Digest, language: str = "nb") -> str:
    return render_digest(digest, staff_texts(), language, NAMES, OSLO)


def fnr(day: str) -> str:
    """Return a national id number with valid check digits, born on ``day`` (DDMMYY)."""
    w1, w2 = (3, 7, 6, 1, 8, 9, 4, 5, 2), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    for individual in range(500, 1000):
        digits = [int(c) for c in f"{day}{individual}"]
        k1 = (11 - sum(a * b for a, b in zip(w1, digits, strict=True)) % 11) % 11
        k2 = (11 - sum(a * b for a, b in zip(w2, [*digits, k1], strict=True)) % 11) % 11
        if k1 < 10 and k2 < 10:
            return f"{day}{individual}{k1}{k2}"
    raise AssertionError("no valid number")


class Tags(HTMLParser):
    """Collect the tags Telegram would parse, failing on any that is not closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.seen: set[str] = set()
        self.text = ""

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.open.append(tag)
        self.seen.add(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open.pop() == tag

    def handle_data(self, data: str) -> None:
        self.text += data


def parse(message: str) -> Tags:
    tags = Tags()
    tags.feed(message)
    tags.close()
    assert not tags.open, f"unclosed tags {tags.open}"
    return tags


def test_totals_and_changes_from_the_previous_period():
    current = [record(n, resident=f"r{n % 6}") for n in range(7)]
    earlier = [record(n + 100, resident=f"p{n}") for n in range(5)]
    digest = build_digest(current, earlier, WEEK)
    assert (digest.problems, digest.residents) == (7, 6)
    assert (digest.problems_change, digest.residents_change) == (2, 1)
    text = render(digest)
    assert "<b>7</b> nye problemer fra <b>6</b> innbyggere" in text
    # Issue 15: the change sits on the totals line, the lead's first line.
    assert text.split("\n")[1] == (
        "<b>7</b> nye problemer fra <b>6</b> innbyggere (+2 problemer, +1 innbyggere fra forrige"
        " periode)"
    )


def test_a_change_is_left_out_when_either_period_is_small():
    current = [record(n) for n in range(8)]
    digest = build_digest(current, [record(n + 100) for n in range(3)], WEEK)
    assert digest.problems_change is None
    assert "Endring" not in render(digest)
    # 8 now against 3 before would give away the 3 through the change: nothing is shown.
    assert "+5" not in render(digest)


def test_counts_below_five_are_shown_as_less_than_five_everywhere():
    current = [
        *[record(n) for n in range(6)],
        *[record(10 + n, area="biri", groups=("ungdom",)) for n in range(3)],
        record(20, area="hunndalen", groups=("barnefamilier", "eldre")),
        *[record(30 + n, area="snertingdal", groups=(), language="en") for n in range(4)],
    ]
    text = render(build_digest(current, [], WEEK))
    for name in ("Biri", "Hunndalen", "Snertingdal", "Ungdom", "Barnefamilier"):
        assert f"{name}: &lt;5" in text
        assert not re.search(rf"{name}: [1-4]\b", text), name
    assert "Ungdom × Biri: &lt;5" in text
    assert "Eldre × Sentrum: 6" in text
    assert "Sentrum: 6" in text and "Eldre: 7" in text
    assert "engelsk &lt;5" in text
    # No item line shows an exact count below five.
    assert not re.search(r"^•.*: [0-4]$", html.unescape(text), re.M)


def test_small_counts_are_listed_by_name_not_by_size():
    current = [
        *[record(n, area="biri") for n in range(4)],
        record(10, area="hunndalen"),
        *[record(20 + n, area="sentrum") for n in range(5)],
    ]
    digest = build_digest(current, [], WEEK)
    # Biri (4) above Hunndalen (1) would tell the reader which small place is larger.
    assert [key for key, _ in digest.by_area] == ["sentrum", "biri", "hunndalen"]
    swapped = [*[record(n, area="hunndalen") for n in range(4)], record(10, area="biri")]
    assert [key for key, _ in build_digest(swapped, [], WEEK).by_area] == ["biri", "hunndalen"]


def test_small_totals_are_masked_and_an_empty_period_says_so():
    text = render(build_digest([record(1), record(2, resident="r1")], [], WEEK))
    assert "<b>&lt;5</b> nye problemer fra <b>&lt;5</b> innbyggere" in text
    empty = render(build_digest([], [record(1)], WEEK))
    title = "<b>Innspill fra innbyggerne, 23.11.–29.11.2026</b>"
    assert empty == f"{title}\n\nIngen nye problemer i perioden."


def test_themes_replace_group_and_area_combinations_when_records_carry_them():
    current = [
        *[record(n, theme=7, theme_label="Kollektivtransport") for n in range(6)],
        record(10, theme=9, theme_label="Brøyting"),
    ]
    digest = build_digest(current, [], WEEK)
    assert digest.combinations == ()
    text = render(digest, "en")
    assert "<b>Themes by priority</b>" in text
    assert (
        "• <b>Kollektivtransport</b>: priority" in text and "• <b>Brøyting</b>: priority" in text
    )
    assert "6 problems · " in text and "&lt;5 problems · " in text
    assert "combinations" not in text


def test_personal_data_is_masked_in_quotes():
    number = fnr("010190")
    texts = [
        f"Ring meg på +47 912 34 567 om hullet i veien ved skolen, fødselsnummer {number}",
        "Skriv til ola.nordmann@example.no om gatelyset som har vært mørkt i tre uker",
    ]
    current = [record(1, text=texts[0], severity=5), record(2, text=texts[1], area="biri")]
    digest = build_digest(current, [], WEEK)
    text = render(digest) + render_digest_plain(digest, staff_texts(), "nb", NAMES, OSLO)
    assert "hullet i veien" in text and "gatelyset" in text
    for secret in (number, "912 34 567", "91234567", "ola.nordmann@example.no"):
        assert secret not in text
    assert number[:6] not in "".join(quote.text for quote in digest.severe + digest.quotes)


def test_resident_text_appears_exactly_as_typed_and_is_safe_for_telegram():
    typed = 'Skiltet <b>faller</b> ned & "*stjerne*" _strek_ `kode` [x](y) ved brua'
    digest = build_digest([record(1, text=typed)], [], WEEK)
    message = render(digest)
    tags = parse(message)
    assert tags.seen <= {"b", "i"}
    assert f"«{typed}»" in tags.text  # html-unescaped: exactly what the resident typed
    assert "<b>faller</b>" not in message
    plain = render_digest_plain(digest, staff_texts(), "nb", NAMES, OSLO)
    assert f"«{typed}»" in plain
    assert plain.count("<b>") == 1 and "<i>" not in plain  # only the resident's own


def test_plain_rendering_has_no_tags():
    current = [record(n, suggested_solution="Flere avganger") for n in range(6)]
    plain = render_digest_plain(build_digest(current, [], WEEK), staff_texts(), "nn", NAMES, OSLO)
    assert not re.search(r"</?[a-z]+>", plain)
    assert "&lt;" not in plain and "Tal under 5 blir viste som <5" in plain
    assert "6 forslag til løysing" in plain


def test_quotes_are_trimmed_at_a_word_boundary():
    long = " ".join(["Fortauet langs Storgata er fullt av hull og is"] * 12)
    digest = build_digest([record(1, text=long)], [], WEEK)
    (quote,) = digest.quotes
    assert len(quote.text) <= 200 and quote.text.endswith("…")
    assert long.startswith(quote.text[:-1])
    assert long[len(quote.text) - 1] == " "


def test_quotes_are_informative_spread_and_independent_of_input_order():
    central = [
        "Bussen til sykehuset går bare hver time, og den siste går før vakten min slutter",
        "Det er ikke fortau langs veien til skolen, så barna går i veibanen hver morgen",
        "Heisen på stasjonen er ofte ute av drift, og da kommer jeg meg ikke til toget",
        "Legekontoret svarer ikke på telefon, og det tar uker å få time til kontroll",
    ]
    current = [
        *[record(n, text=text) for n, text in enumerate(central)],
        record(10, text=central[0].replace("hver time", "hver time!"), resident="copy"),
        record(11, text="Ingen benker å hvile på", area="biri"),
        record(12, text="For få plasser i barnehagen", area="hunndalen"),
        record(13, text="ok takk", area="snertingdal"),
    ]
    digest = build_digest(current, [], WEEK)
    quotes = [(quote.problem_id, quote.area) for quote in digest.quotes]
    # The best of each area first, then the most informative left, but never 0 beside its
    # near-copy 10; "ok takk" says too little to quote.
    assert quotes == [(10, "sentrum"), (12, "hunndalen"), (11, "biri"), (1, "sentrum")]
    assert build_digest(current[::-1], [], WEEK) == digest


def test_the_most_severe_come_first_newest_first_and_are_not_quoted_twice():
    current = [
        record(1, severity=4, text="Fire: gatelyset på skoleveien er mørkt"),
        record(2, severity=5, text="Fem eldst: ingen brøyting i bakken til sykehjemmet"),
        record(3, severity=5, text="Fem nyest: vannet er brunt fra springen hjemme"),
        record(4, severity=3, text="Tre: søppelbøtta ved parken er alltid full"),
        record(5, severity=None, text="Uten: parkeringen ved stasjonen er for dyr"),
    ]
    digest = build_digest(current, [], WEEK)
    assert [quote.problem_id for quote in digest.severe] == [3, 2, 1]
    assert {quote.problem_id for quote in digest.quotes} == {4, 5}
    text = render(digest)
    assert "• 5/5 · Sentrum: «Fem nyest: vannet er brunt fra springen hjemme»" in text


def test_every_staff_language_has_the_same_texts():
    with resources.files("flows").joinpath("staff.toml").open("rb") as file:
        tables = tomllib.load(file)
    assert set(tables) == {"nb", "nn", "en"}

    def fields(table: dict[str, object]) -> dict[str, set[str]]:
        return {k: set(re.findall(r"{(\w+)}", str(v))) for k, v in table.items()}

    assert fields(tables["nb"]) == fields(tables["nn"]) == fields(tables["en"])
    current = [record(n, severity=5, suggested_solution="x") for n in range(6)]
    for language in ("nb", "nn", "en", "de"):
        parse(render(build_digest(current, current, WEEK), language))
    assert render(build_digest(current, [], WEEK), "de") == render(
        build_digest(current, [], WEEK), "nb"
    )


def test_stats_are_two_short_lines():
    assert render_stats(3, 120, WEEK, staff_texts(), "en", OSLO) == (
        "23.11.–29.11.2026: &lt;5 new problems\nTotal: 120 problems"
    )


def test_the_week_with_the_autumn_clock_change_has_169_hours():
    week = week_period(datetime(2026, 10, 26, 8, 0, tzinfo=OSLO), OSLO)
    assert week.start == datetime(2026, 10, 18, 22, 0, tzinfo=UTC)  # Monday 00:00 summer time
    assert week.end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)  # Monday 00:00 winter time
    assert week.end - week.start == timedelta(days=7, hours=1)
    after = week_period(datetime(2026, 11, 2, 8, 0, tzinfo=OSLO), OSLO)
    assert previous(after, OSLO) == week
    assert previous(after).start == week.start + timedelta(hours=1)  # same length in UTC
    assert previous(week, OSLO).start == datetime(2026, 10, 11, 22, 0, tzinfo=UTC)
    title = render(build_digest([record(1, created_at=week.start)], [], week))
    assert "19.10.–25.10.2026" in title


def test_rolling_period_and_dates_across_new_year():
    now = datetime(2027, 1, 3, 12, 0, tzinfo=UTC)
    period = rolling_period(now, 7)
    assert period == Period(datetime(2026, 12, 27, 12, 0, tzinfo=UTC), now)
    assert "27.12.2026–03.01.2027" in render(build_digest([record(1)], [], period))
    with pytest.raises(ValueError):
        Period(datetime(2026, 1, 1), datetime(2026, 1, 2))  # noqa: DTZ001


def visible(message: str) -> int:
    return len(parse(message).text)


def test_a_long_digest_is_split_at_line_breaks_into_valid_messages():
    names = {f"a{n}": f"Område nummer {n} & omegn i Gjøvik kommune" for n in range(200)}
    current = [record(n, area=f"a{n}", groups=(f"a{n}",)) for n in range(200)]
    message = render_digest(build_digest(current, [], WEEK), staff_texts(), "nb", names, OSLO)
    assert len(message) > 10_000
    parts = split_message(message)
    assert len(parts) >= 3
    for part in parts:
        assert 0 < visible(part) <= 4096
        assert part.strip() and not part.startswith("\n") and not part.endswith("\n")
    assert "\n".join(parts).replace("\n\n", "\n") == message.replace("\n\n", "\n")


def test_an_entity_at_the_limit_counts_as_one_and_is_never_cut():
    assert split_message("a" * 4095 + "&amp;") == ["a" * 4095 + "&amp;"]
    assert split_message("a" * 4094 + "&amp;bb") == ["a" * 4094 + "&amp;b", "b"]
    assert split_message("a" * 4096 + "&amp;") == ["a" * 4096, "&amp;"]
    line = "ord " * 1000 + "x &amp; y"
    for part in split_message(line, 100):
        assert visible(part) <= 100 and "&amp" not in part.replace("&amp;", "")


def test_a_huge_line_is_cut_between_words_then_anywhere_keeping_tags_closed():
    words = " ".join(["blåbær"] * 1000)
    parts = split_message(words, 100)
    assert all(p.split(" ") == ["blåbær"] * len(p.split(" ")) for p in parts)
    assert " ".join(parts) == words
    bold = split_message("<b>" + "x" * 250 + "</b>", 100)
    assert bold == ["<b>" + "x" * 100 + "</b>"] * 2 + ["<b>" + "x" * 50 + "</b>"]
    assert [visible(p) for p in split_message("😀" * 100, 100)] == [50, 50]  # UTF-16 units


def test_splitting_never_yields_an_empty_message():
    assert split_message("") == []
    assert split_message("\n\n<b></b>\n\n") == []
    assert split_message("a\n\n\n\nb", 2) == ["a", "b"]
    assert split_message("short") == ["short"]


def test_plain_text_is_split_counting_every_character():
    assert [len(p) for p in split_message("<b>&amp;", 4, html=False)] == [4, 4]
