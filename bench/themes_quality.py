"""Measure flows.themes: purity and ARI on the labelled set, and the cost of one ``assign``.

Run with ``.venv/bin/python -m bench.themes_quality`` (add ``--tune`` to search the parameters
on the dev half). Never part of the test suite.
"""

import argparse
import json
import random
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import product
from math import comb
from pathlib import Path

from flows.theme_rebuild import rebuild
from flows.themes import ThemeModel, ThemeParams, assign

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "themes_labelled.tsv"


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled problem."""

    theme: str
    language: str
    text: str
    blind: bool = False  # written after the lexicon was drafted; never used for tuning


@dataclass(frozen=True, slots=True)
class Scores:
    """How well found themes match the labels."""

    purity: float
    ari: float
    themes: int


def load(path: Path = LABELLED) -> list[Row]:
    """Read the labelled set (theme, language, text); rows after "# Blind" are blind."""
    rows = []
    blind = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# Blind"):
            blind = True
        elif line and not line.startswith("#"):
            theme, language, text = line.split("\t")
            rows.append(Row(theme, language, text, blind))
    return rows


def halves(rows: Sequence[Row]) -> tuple[list[Row], list[Row], list[Row]]:
    """Split into dev (1st, 3rd, … row), held-out (2nd, 4th, …) and the blind rows."""
    main = [row for row in rows if not row.blind]
    return main[0::2], main[1::2], [row for row in rows if row.blind]


def purity(truth: Sequence[object], found: Sequence[object]) -> float:
    """Return the share of items in the majority true class of their found cluster."""
    if len(truth) != len(found):
        raise ValueError("truth and found differ in length")
    if not truth:
        return 1.0
    pairs = Counter(zip(found, truth, strict=True))
    best: dict[object, int] = {}
    for (cluster, _), n in pairs.items():
        best[cluster] = max(best.get(cluster, 0), n)
    return sum(best.values()) / len(truth)


def adjusted_rand_index(truth: Sequence[object], found: Sequence[object]) -> float:
    """Return the adjusted Rand index (Hubert & Arabie 1985) of two labellings."""
    if len(truth) != len(found):
        raise ValueError("truth and found differ in length")
    n = len(truth)
    together = sum(comb(k, 2) for k in Counter(zip(truth, found, strict=True)).values())
    rows = sum(comb(k, 2) for k in Counter(truth).values())
    columns = sum(comb(k, 2) for k in Counter(found).values())
    expected = rows * columns / comb(n, 2) if n > 1 else 0.0
    maximum = (rows + columns) / 2
    if maximum == expected:  # both all-in-one or all-singletons: agree fully or not at all
        return 1.0 if together == maximum else 0.0
    return (together - expected) / (maximum - expected)


NEWCOMER_LANGUAGES = frozenset({"pl", "uk"})


def crossing(rows: Sequence[Row], found: Sequence[int]) -> float:
    """Return the share of pl/uk rows in the theme holding most nb/nn/en rows of their label."""
    home: dict[str, Counter[int]] = {}
    for row, theme in zip(rows, found, strict=True):
        if row.language not in NEWCOMER_LANGUAGES:
            home.setdefault(row.theme, Counter())[theme] += 1
    majority = {label: counts.most_common(1)[0][0] for label, counts in home.items()}
    newcomers = [
        (row, theme)
        for row, theme in zip(rows, found, strict=True)
        if row.language in NEWCOMER_LANGUAGES
    ]
    if not newcomers:
        return 1.0
    joined = sum(majority.get(row.theme) == theme for row, theme in newcomers)
    return joined / len(newcomers)


def confusion(rows: Sequence[Row], found: Sequence[int]) -> dict[str, Counter[str]]:
    """Return, per label, how many of its rows fell in a theme that mostly holds each label."""
    by_theme: dict[int, Counter[str]] = {}
    for row, theme in zip(rows, found, strict=True):
        by_theme.setdefault(theme, Counter())[row.theme] += 1
    named = {theme: counts.most_common(1)[0][0] for theme, counts in by_theme.items()}
    table: dict[str, Counter[str]] = {}
    for row, theme in zip(rows, found, strict=True):
        table.setdefault(row.theme, Counter())[named[theme]] += 1
    return table


def scores(rows: Sequence[Row], found: Sequence[int]) -> Scores:
    """Score found theme ids against the rows' labels."""
    truth = [row.theme for row in rows]
    return Scores(purity(truth, found), adjusted_rand_index(truth, found), len(set(found)))


def rebuilt(rows: Sequence[Row], params: ThemeParams | None = None) -> Scores:
    """Score ``rebuild`` on ``rows``."""
    _, ids = rebuild([(row.text, row.language) for row in rows], params)
    return scores(rows, ids)


def incremental(rows: Sequence[Row], params: ThemeParams | None = None) -> Scores:
    """Score ``assign`` applied to ``rows`` one by one, in order, from an empty model."""
    model = ThemeModel(params=params or ThemeParams())
    ids = []
    for row in rows:
        model, chosen = assign(model, row.text, row.language)
        ids.append(chosen.theme_id)
    return scores(rows, ids)


def tune(dev: Sequence[Row]) -> ThemeParams:
    """Search a small grid on the dev half; rank by ARI of rebuild and incremental together."""
    best, best_key = ThemeParams(), (-1.0, -1.0)
    grid = product((0.15, 0.2, 0.25, 0.3, 0.35), (0.3, 0.4, 0.5, 0.6), (1.0, 1.5, 2.0, 3.0))
    for threshold, merge_threshold, concept_weight in grid:
        params = replace(
            ThemeParams(),
            threshold=threshold,
            merge_threshold=merge_threshold,
            concept_weight=concept_weight,
        )
        whole, step = rebuilt(dev, params), incremental(dev, params)
        key = (whole.ari + step.ari, whole.purity + step.purity)
        if key > best_key:
            best, best_key = params, key
    return best


LETTERS = "abcdefghijklmnopqrstuvwxyzæøå"


def vary(text: str, rng: random.Random) -> str:
    """Return ``text`` as a resident might also write it: a word dropped, swapped or mistyped."""
    words = text.split()
    if len(words) > 3 and rng.random() < 0.5:
        del words[rng.randrange(len(words))]
    if len(words) > 2 and rng.random() < 0.3:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        j = rng.randrange(len(words[i]) + 1)
        words[i] = words[i][:j] + rng.choice(LETTERS) + words[i][j + 1 :]
    return " ".join(words)


def perturbed(rows: Sequence[Row], count: int, rng: random.Random) -> Iterable[Row]:
    """Yield ``count`` rows sampled from ``rows`` with dropped, swapped and mistyped words."""
    for _ in range(count):
        row = rng.choice(rows)
        yield Row(row.theme, row.language, vary(row.text, rng))


@dataclass(frozen=True, slots=True)
class Cost:
    """The cost of one ``assign`` once ``stored`` problems are in the model, and its quality."""

    stored: int
    micros: float
    themes: int
    quality: Scores  # of the whole stream so far, against the labels of the rows it came from
    stored_bytes: int  # the model as JSON, as storage would keep it


def cost(rows: Sequence[Row], marks: Sequence[int], probes: int = 500) -> list[Cost]:
    """Feed a seeded stream of perturbed rows to ``assign``; time it after each mark.

    The same probe texts are timed at every mark, each against the model as it stands (so the
    stored count stays at the mark); the fastest of seven repeats is kept, against noise from
    other processes. Only the labels of the stream are kept, not the rows, so that the garbage
    collector does not scan 100,000 objects a bot process would not hold.
    """
    stream = random.Random(20261127)
    sample = list(perturbed(rows, probes, random.Random(7)))
    model = ThemeModel()
    truth: list[str] = []
    ids: list[int] = []
    found = []
    for mark in marks:
        for row in perturbed(rows, mark - len(ids), stream):
            model, chosen = assign(model, row.text, row.language)
            truth.append(row.theme)
            ids.append(chosen.theme_id)
        timings = []
        for _ in range(8):  # the first is a warm-up, and the fastest of the rest is kept
            started = time.perf_counter()
            for row in sample:
                assign(model, row.text, row.language)
            timings.append((time.perf_counter() - started) / probes * 1e6)
        quality = Scores(purity(truth, ids), adjusted_rand_index(truth, ids), len(set(ids)))
        size = len(json.dumps(model.to_dict(), ensure_ascii=False).encode())
        found.append(Cost(mark, min(timings[1:]), len(model.themes), quality, size))
    return found


def report(rows: Sequence[Row], params: ThemeParams) -> None:
    """Print quality on each half and for the incremental pass, then the confusion."""
    dev, held_out, blind = halves(rows)
    for name, part in (("dev", dev), ("held-out", held_out), ("blind", blind), ("all", rows)):
        whole, step = rebuilt(part, params), incremental(part, params)
        print(  # noqa: T201 - a benchmark prints
            f"{name:9} n={len(part):3} rebuild purity={whole.purity:.3f} ari={whole.ari:.3f} "
            f"themes={whole.themes:3} | assign purity={step.purity:.3f} ari={step.ari:.3f} "
            f"themes={step.themes:3}"
        )
    _, ids = rebuild([(row.text, row.language) for row in rows], params)
    print(f"pl/uk rows in the theme of their label's nb/nn/en rows: {crossing(rows, ids):.3f}")  # noqa: T201
    print("confusion (rebuild, all rows): label → rows in themes mostly of another label")  # noqa: T201
    for name, counts in sorted(confusion(rows, ids).items()):
        strays = ", ".join(f"{other} {n}" for other, n in counts.most_common() if other != name)
        print(f"  {name:16} {counts[name]:3} at home; {strays or '-'}")  # noqa: T201


def main(argv: Sequence[str] | None = None) -> None:
    """Print the quality figures and the per-assign cost ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tune", action="store_true", help="search parameters on the dev half")
    parser.add_argument("--no-cost", action="store_true", help="skip the timing runs")
    args = parser.parse_args(argv)
    rows = load()
    params = tune(halves(rows)[0]) if args.tune else ThemeParams()
    print(f"params: {params}")  # noqa: T201
    report(rows, params)
    if args.no_cost:
        return
    figures = cost(rows, (1_000, 10_000, 100_000))
    for figure in figures:
        print(  # noqa: T201
            f"after {figure.stored:>7} problems: {figure.micros:6.0f} µs per assign "
            f"(ratio {figure.micros / figures[0].micros:.2f}), {figure.themes:4} themes, "
            f"model {figure.stored_bytes / 1024:4.0f} KiB as JSON; whole stream "
            f"purity={figure.quality.purity:.3f} ari={figure.quality.ari:.3f}"
        )


if __name__ == "__main__":
    main()
