"""Recurring themes: give each new problem a theme as it is saved, and find the nearest themes.

A problem becomes a unit term vector (``flows.text_normalise``); a theme keeps the sum of its
members' vectors, cut to its ``top_terms`` heaviest terms. Similarity is the cosine of the two
once both are weighted by inverse document frequency (idf), applied when comparing, so that old
centroids never carry stale weights.

Cost of ``assign``: O(d·P + k log k + T + d·V/B) for d terms in the new text, P themes per
term (posting length), k = ``top_terms``, T themes (the O(T) is C-level tuple copying) and V of
at most ``vocabulary`` frequencies kept in B = 1024 buckets, plus pruning, amortised O(log V) a
new term. Nothing grows with the number of problems stored; see ``Index`` for how. The model is
an immutable value: ``assign`` shares every untouched theme and bucket with its input model.
"""

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from sys import intern
from typing import Any, Self, TypeVar

from flows.text_normalise import terms

_BUCKETS = 1024
_VERSION = 2  # 2: lemmas and per-language concepts; counts and form languages
Form = tuple[str, str]  # a word as residents wrote it (its dictionary form), its language
Sums = tuple[float, float, float]  # Σc², Σc²·l, Σc²·l² of a centroid c, l = log(1 + df)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class ThemeParams:
    """How themes form; the defaults were tuned on the dev half of the labelled set."""

    threshold: float = 0.2  # join the most similar theme at or above this cosine
    merge_threshold: float = 0.35  # rebuild merges themes whose centroids are this similar
    concept_weight: float = 1.5  # a lexicon concept counts more than a plain stem
    top_terms: int = 40  # terms kept per theme
    vocabulary: int = 20_000  # document frequencies kept (the most frequent terms)


class Shelf(Mapping[str, V]):
    """A persistent map: ``updated`` copies only the buckets it changes and shares the rest."""

    __slots__ = ("_buckets", "_size")

    def __init__(self, items: Mapping[str, V] | None = None) -> None:
        # Placement uses the per-process str hash; it never shows in results or in to_dict().
        buckets: list[dict[str, V]] = [{} for _ in range(_BUCKETS)]
        for key, value in (items or {}).items():
            buckets[hash(key) % _BUCKETS][key] = value
        self._buckets = tuple(buckets)
        self._size = sum(map(len, buckets))

    def __getitem__(self, key: str) -> V:
        return self._buckets[hash(key) % _BUCKETS][key]

    def __iter__(self) -> Iterator[str]:
        return (key for bucket in self._buckets for key in bucket)

    def __len__(self) -> int:
        return self._size

    def find(self, key: str, default: V) -> V:
        """Return the value of ``key``, or ``default`` (faster than ``get`` on a miss)."""
        return self._buckets[hash(key) % _BUCKETS].get(key, default)

    def updated(self, changes: Iterable[tuple[str, V | None]]) -> Self:
        """Return a copy with each (key, value) set, or removed where the value is None."""
        buckets = list(self._buckets)
        size = self._size
        for key, value in changes:
            index = hash(key) % _BUCKETS
            if buckets[index] is self._buckets[index]:
                buckets[index] = dict(buckets[index])
            if value is None:
                size -= buckets[index].pop(key, None) is not None
            else:
                size += key not in buckets[index]
                buckets[index][key] = value
        result = type(self).__new__(type(self))
        result._buckets, result._size = tuple(buckets), size
        return result


class Frequencies(Shelf[int]):
    """Document frequencies: in how many problems each term occurred (the commonest terms)."""

    __slots__ = ()

    def counted(self, new_terms: Iterable[str], limit: int) -> "Frequencies":
        """Return a copy with ``new_terms`` counted, keeping at most ``limit`` terms."""
        increments = Counter(iter(new_terms))  # iter(): a mapping would give its values
        counted = self.updated((t, self.find(t, 0) + n) for t, n in increments.items())
        if len(counted) <= limit:
            return counted
        # Keep the commonest 90 %, so that pruning is rare: amortised O(log V) a new term.
        ranked = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
        return Frequencies(dict(ranked[: limit * 9 // 10]))


@dataclass(frozen=True, slots=True)
class ThemeCentroid:
    """One recurring theme: its centroid terms, how many problems it holds, readable words."""

    id: int
    size: int
    weights: Mapping[str, float]  # sum of the members' unit term vectors, top terms only
    forms: Mapping[str, Form]  # term → a word residents used for it, and its language
    counts: Mapping[str, int] = field(default_factory=dict)  # term → members holding it


@dataclass(frozen=True, slots=True)
class Index:
    """What lets ``assign`` visit only the themes that share a term with the new text.

    ``postings`` maps each centroid term to the positions of the themes holding it. ``sums``
    holds, per theme, Σc², Σc²l and Σc²l² with l = log(1 + df), so its idf-weighted length
    for any N, |c|² = Σc²(L - l)² = L²Σc² - 2LΣc²l + Σc²l² with L = log(1 + N) + 1, costs
    O(1). A new text raises df only for its own terms, and the themes holding those are the
    ones visited anyway, so their sums are corrected on the way. Both parts follow from the
    themes and frequencies: they are rebuilt on load, never stored.
    """

    sums: tuple[Sums, ...]
    postings: Shelf[tuple[int, ...]]

    @classmethod
    def of(cls, themes: Sequence[ThemeCentroid], frequencies: Frequencies) -> Self:
        """Index ``themes`` from scratch: O(T·k)."""
        postings: dict[str, tuple[int, ...]] = {}
        for position, theme in enumerate(themes):
            for term in theme.weights:
                postings[term] = (*postings.get(term, ()), position)
        return cls(tuple(_sums(t.weights, frequencies) for t in themes), Shelf(postings))

    def moved(
        self, position: int, old: Mapping[str, float], new: Mapping[str, float]
    ) -> Shelf[tuple[int, ...]]:
        """Return the postings once the theme at ``position`` holds ``new`` terms, not ``old``."""
        postings = self.postings
        changes: list[tuple[str, tuple[int, ...] | None]] = [
            (t, (*postings.find(t, ()), position)) for t in new if t not in old
        ]
        for term in old.keys() - new.keys():
            kept = tuple(p for p in postings[term] if p != position)
            changes.append((term, kept or None))
        return postings.updated(changes)


@dataclass(frozen=True, slots=True)
class ThemeModel:
    """All themes and the document frequencies they are compared with; stored whole as JSON."""

    themes: tuple[ThemeCentroid, ...] = ()
    documents: int = 0
    frequencies: Frequencies = field(default_factory=Frequencies)
    next_id: int = 1
    params: ThemeParams = field(default_factory=ThemeParams)
    index: Index | None = field(default=None, compare=False, repr=False)  # None: build it

    def __post_init__(self) -> None:
        if self.index is None:
            object.__setattr__(self, "index", Index.of(self.themes, self.frequencies))

    def theme(self, theme_id: int) -> ThemeCentroid:
        """Return the theme with ``theme_id``; KeyError if there is none."""
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(theme_id)

    def to_dict(self) -> dict[str, Any]:
        themes = [
            {
                "id": t.id,
                "size": t.size,
                "weights": dict(t.weights),
                "forms": {term: list(form) for term, form in t.forms.items()},
                "counts": dict(t.counts),
            }
            for t in self.themes
        ]
        return {
            "version": _VERSION,
            "documents": self.documents,
            "next_id": self.next_id,
            "params": asdict(self.params),
            "frequencies": dict(sorted(self.frequencies.items())),
            "themes": themes,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild a model saved by ``to_dict``; unknown parameters are ignored."""
        if data.get("version") != _VERSION:
            raise ValueError(f"unsupported theme model version: {data.get('version')!r}")
        known = ThemeParams.__dataclass_fields__
        params = ThemeParams(**{k: v for k, v in data["params"].items() if k in known})
        themes = tuple(
            ThemeCentroid(
                int(t["id"]),
                int(t["size"]),
                {intern(k): float(v) for k, v in t["weights"].items()},
                {intern(k): (intern(f), intern(g)) for k, (f, g) in t["forms"].items()},
                {intern(k): int(v) for k, v in t["counts"].items()},
            )
            for t in data["themes"]
        )
        counts = {intern(k): int(v) for k, v in data["frequencies"].items()}
        return cls(
            themes, int(data["documents"]), Frequencies(counts), int(data["next_id"]), params
        )


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where ``assign`` put a problem: the theme, how close it was, and whether it is new."""

    theme_id: int
    similarity: float
    created: bool


@dataclass(frozen=True, slots=True)
class Document:
    """A text as a unit term vector, with the word behind each term (for labels)."""

    weights: Mapping[str, float]
    forms: Mapping[str, Form]
    counts: Mapping[str, int] | None = None  # members holding each term; None: one text


def document(text: str, language: str, params: ThemeParams) -> Document:
    """Turn ``text`` into a unit-length term vector; concepts weigh ``concept_weight``."""
    counts: dict[str, float] = {}
    bases: dict[str, float] = {}
    forms: dict[str, Form] = {}
    # Interned: themes, frequencies and index share one copy of each word (tens of MiB at 1M).
    language = intern(language)
    for found in terms(text, language):
        term = intern(found.term)
        counts[term] = counts.get(term, 0.0) + 1.0
        bases[term] = params.concept_weight if found.concept else 1.0
        forms.setdefault(term, (intern(found.form), language))
    weights = {t: bases[t] * (1.0 + math.log(n)) for t, n in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return Document({t: w / norm for t, w in weights.items()}, forms)


class Idf:
    """Inverse document frequencies at one moment, memoised: log((1 + N) / (1 + df)) + 1."""

    __slots__ = ("_frequencies", "_memo", "scale")

    def __init__(self, documents: int, frequencies: Frequencies) -> None:
        self._frequencies = frequencies
        self._memo: dict[str, float] = {}
        self.scale = math.log1p(documents) + 1.0  # L: idf = L - log(1 + df), always ≥ 1

    def __call__(self, term: str) -> float:
        value = self._memo.get(term)
        if value is None:
            value = self._memo[term] = self.scale - math.log1p(self._frequencies.find(term, 0))
        return value

    def norm(self, weights: Mapping[str, float]) -> float:
        """Return the length of ``weights`` once weighted by idf."""
        return math.sqrt(sum((w * self(t)) ** 2 for t, w in weights.items()))


def _sums(weights: Mapping[str, float], frequencies: Frequencies) -> Sums:
    s0 = s1 = s2 = 0.0
    for term, weight in weights.items():
        squared, level = weight * weight, math.log1p(frequencies.find(term, 0))
        s0, s1, s2 = s0 + squared, s1 + squared * level, s2 + squared * level * level
    return s0, s1, s2


def similarities(
    doc: Document, centroids: Sequence[Mapping[str, float]], idf: Idf
) -> Iterator[tuple[int, float]]:
    """Yield (position, cosine) for each centroid sharing a term with ``doc``: O(|centroids|)."""
    query = {t: w * idf(t) ** 2 for t, w in doc.weights.items()}
    query_norm = idf.norm(doc.weights)
    for position, weights in enumerate(centroids):
        dot = sum(w * weights[t] for t, w in query.items() if t in weights)
        if dot > 0.0:
            yield position, dot / (idf.norm(weights) * query_norm)


def _cosines(
    model: ThemeModel, sums: list[Sums], doc: Document, idf: Idf, shifts: Mapping[str, Sums]
) -> dict[int, float]:
    """Return {position: cosine} of the themes sharing a term with ``doc``, via the index.

    Adds ``shifts[term]`` (0, Δl, Δl²) times c² to the ``sums`` of each theme holding a term
    whose document frequency just changed.
    """
    assert model.index is not None  # built by __post_init__
    postings = model.index.postings
    dots: dict[int, float] = {}
    for term, weight in doc.weights.items():
        query, (_, d1, d2) = weight * idf(term) ** 2, shifts[term]
        for position in postings.find(term, ()):
            value = model.themes[position].weights[term]
            dots[position] = dots.get(position, 0.0) + query * value
            s0, s1, s2 = sums[position]
            sums[position] = (s0, s1 + value * value * d1, s2 + value * value * d2)
    query_norm, scale = idf.norm(doc.weights), idf.scale
    cosines = {}
    for position, dot in dots.items():
        s0, s1, s2 = sums[position]
        norm_sq = max(scale * (scale * s0 - 2.0 * s1) + s2, s0)  # ≥ Σc² as idf ≥ 1
        cosines[position] = dot / (math.sqrt(norm_sq) * query_norm)
    return cosines


def _shift(before: int, after: int) -> Sums:
    old, new = math.log1p(before), math.log1p(after)
    return 0.0, new - old, new * new - old * old


def assign(model: ThemeModel, text: str, language: str) -> tuple[ThemeModel, Assignment]:
    """Count ``text`` and put it in its most similar theme, or open a new one."""
    params, index = model.params, model.index
    assert index is not None  # built by __post_init__
    doc = document(text, language, params)
    frequencies = model.frequencies.counted(doc.weights, params.vocabulary)
    if len(frequencies) < len(model.frequencies):  # pruned: any theme's length may change
        index = Index.of(model.themes, frequencies)
        model = replace(model, index=index)
        shifts = dict.fromkeys(doc.weights, (0.0, 0.0, 0.0))
    else:
        before = model.frequencies
        shifts = {t: _shift(before.find(t, 0), frequencies.find(t, 0)) for t in doc.weights}
    sums = list(index.sums)
    cosines = _cosines(model, sums, doc, Idf(model.documents + 1, frequencies), shifts)
    best = min(cosines, key=lambda p: (-cosines[p], p), default=-1)  # a tie: the older theme
    similarity = cosines.get(best, 0.0)
    themes = list(model.themes)
    created = best < 0 or similarity < params.threshold
    if created:
        best = len(themes)
        themes.append(ThemeCentroid(model.next_id, 0, {}, {}))
        sums.append((0.0, 0.0, 0.0))
    old = themes[best]
    new = themes[best] = _grown(old, old.id, old.size + 1, doc, params.top_terms)
    sums[best] = _sums(new.weights, frequencies)
    index = Index(tuple(sums), index.moved(best, old.weights, new.weights))
    next_id = model.next_id + created
    updated = ThemeModel(tuple(themes), model.documents + 1, frequencies, next_id, params, index)
    return updated, Assignment(new.id, similarity, created)


def similar(
    model: ThemeModel, text: str, language: str, limit: int = 3
) -> list[tuple[int, float]]:
    """Return up to ``limit`` (theme id, cosine) nearest to ``text``, most similar first."""
    assert model.index is not None  # built by __post_init__
    doc = document(text, language, model.params)
    idf = Idf(model.documents, model.frequencies)
    still = dict.fromkeys(doc.weights, (0.0, 0.0, 0.0))
    cosines = _cosines(model, list(model.index.sums), doc, idf, still)
    found = [(model.themes[p].id, cosine) for p, cosine in cosines.items()]
    ranked = sorted(found, key=lambda item: (-item[1], item[0]))
    return ranked[:limit]


def _grown(
    theme: ThemeCentroid, theme_id: int, size: int, more: Document, top: int
) -> ThemeCentroid:
    weights = heaviest(theme.weights, more.weights, top)
    forms = {t: theme.forms.get(t) or more.forms[t] for t in weights}
    # A term cut from the top and back later counts again from then: a lower bound.
    added = more.counts or dict.fromkeys(more.weights, 1)
    counts = {t: theme.counts.get(t, 0) + added.get(t, 0) for t in weights}
    return ThemeCentroid(theme_id, size, weights, forms, counts)


def heaviest(
    weights: Mapping[str, float], more: Mapping[str, float], top: int
) -> dict[str, float]:
    """Return the centroid ``weights`` plus ``more``, cut to its ``top`` heaviest terms."""
    summed = dict(weights)
    for term, weight in more.items():
        summed[term] = summed.get(term, 0.0) + weight
    return dict(sorted(summed.items(), key=lambda item: (-item[1], item[0]))[:top])


def merge(model: ThemeModel, keep: int, absorb: int) -> ThemeModel:
    """Fold theme ``absorb`` into theme ``keep``; ``absorb`` disappears."""
    if keep == absorb:
        raise ValueError("a theme cannot absorb itself")
    kept, gone = model.theme(keep), model.theme(absorb)
    more = Document(gone.weights, gone.forms, gone.counts)
    joined = _grown(kept, keep, kept.size + gone.size, more, model.params.top_terms)
    themes = tuple(joined if t.id == keep else t for t in model.themes if t.id != absorb)
    return replace(model, themes=themes, index=None)
