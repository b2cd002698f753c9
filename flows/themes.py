"""Recurring themes: give each new problem a theme as it is saved, and rebuild them all at once.

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

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
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
                {str(k): float(v) for k, v in t["weights"].items()},
                {str(k): (str(v[0]), str(v[1])) for k, v in t["forms"].items()},
                {str(k): int(v) for k, v in t["counts"].items()},
            )
            for t in data["themes"]
        )
        counts = {str(k): int(v) for k, v in data["frequencies"].items()}
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
class _Document:
    """A text as a unit term vector, with the word behind each term (for labels)."""

    weights: Mapping[str, float]
    forms: Mapping[str, Form]
    counts: Mapping[str, int] | None = None  # members holding each term; None: one text


def _document(text: str, language: str, params: ThemeParams) -> _Document:
    """Turn ``text`` into a unit-length term vector; concepts weigh ``concept_weight``."""
    counts: dict[str, float] = {}
    bases: dict[str, float] = {}
    forms: dict[str, Form] = {}
    for found in terms(text, language):
        counts[found.term] = counts.get(found.term, 0.0) + 1.0
        bases[found.term] = params.concept_weight if found.concept else 1.0
        forms.setdefault(found.term, (found.form, language))
    weights = {t: bases[t] * (1.0 + math.log(n)) for t, n in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return _Document({t: w / norm for t, w in weights.items()}, forms)


class _Idf:
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


def _similarities(
    doc: _Document, centroids: Sequence[Mapping[str, float]], idf: _Idf
) -> Iterator[tuple[int, float]]:
    """Yield (position, cosine) for each centroid sharing a term with ``doc``: O(|centroids|)."""
    query = {t: w * idf(t) ** 2 for t, w in doc.weights.items()}
    query_norm = idf.norm(doc.weights)
    for position, weights in enumerate(centroids):
        dot = sum(w * weights[t] for t, w in query.items() if t in weights)
        if dot > 0.0:
            yield position, dot / (idf.norm(weights) * query_norm)


def _cosines(
    model: ThemeModel, sums: list[Sums], doc: _Document, idf: _Idf, shifts: Mapping[str, Sums]
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
    doc = _document(text, language, params)
    frequencies = model.frequencies.counted(doc.weights, params.vocabulary)
    if len(frequencies) < len(model.frequencies):  # pruned: any theme's length may change
        index = Index.of(model.themes, frequencies)
        model = replace(model, index=index)
        shifts = dict.fromkeys(doc.weights, (0.0, 0.0, 0.0))
    else:
        before = model.frequencies
        shifts = {t: _shift(before.find(t, 0), frequencies.find(t, 0)) for t in doc.weights}
    sums = list(index.sums)
    cosines = _cosines(model, sums, doc, _Idf(model.documents + 1, frequencies), shifts)
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
    doc = _document(text, language, model.params)
    idf = _Idf(model.documents, model.frequencies)
    still = dict.fromkeys(doc.weights, (0.0, 0.0, 0.0))
    cosines = _cosines(model, list(model.index.sums), doc, idf, still)
    found = [(model.themes[p].id, cosine) for p, cosine in cosines.items()]
    ranked = sorted(found, key=lambda item: (-item[1], item[0]))
    return ranked[:limit]


def _grown(
    theme: ThemeCentroid, theme_id: int, size: int, more: _Document, top: int
) -> ThemeCentroid:
    weights = _added(theme.weights, more.weights, top)
    forms = {t: theme.forms.get(t) or more.forms[t] for t in weights}
    # A term cut from the top and back later counts again from then: a lower bound.
    added = more.counts or dict.fromkeys(more.weights, 1)
    counts = {t: theme.counts.get(t, 0) + added.get(t, 0) for t in weights}
    return ThemeCentroid(theme_id, size, weights, forms, counts)


def _added(weights: Mapping[str, float], more: Mapping[str, float], top: int) -> dict[str, float]:
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
    more = _Document(gone.weights, gone.forms, gone.counts)
    joined = _grown(kept, keep, kept.size + gone.size, more, model.params.top_terms)
    themes = tuple(joined if t.id == keep else t for t in model.themes if t.id != absorb)
    return replace(model, themes=themes, index=None)


def representative(
    model: ThemeModel, theme_id: int, members: Sequence[tuple[str, str]], limit: int = 3
) -> list[int]:
    """Pick up to ``limit`` of a theme's members (text, language) to quote, as indices.

    The closest to the centroid come first (the shorter on a tie); a member much like one
    already picked is skipped, so the quotes show the theme's range rather than one phrasing.
    """
    theme = model.theme(theme_id)
    idf = _Idf(model.documents, model.frequencies)
    docs = [_document(text, language, model.params) for text, language in members]
    closeness = [next(_similarities(d, [theme.weights], idf), (0, 0.0))[1] for d in docs]
    order = sorted(range(len(docs)), key=lambda i: (-closeness[i], len(members[i][0]), i))
    picked: list[int] = []
    for index in order:
        if len(picked) == limit:
            break
        chosen = [docs[i].weights for i in picked]
        if all(value < 0.9 for _, value in _similarities(docs[index], chosen, idf)):
            picked.append(index)
    return picked


def rebuild(
    texts: Sequence[tuple[str, str]], params: ThemeParams | None = None
) -> tuple[ThemeModel, list[int]]:
    """Form themes afresh from (text, language) pairs; return the model and each text's theme.

    The incremental pass in order, then the closest themes are merged, then each problem may
    move to a theme that fits it better. Deterministic; themes are numbered from 1 in order of
    their first problem. O(N·T·k) for N texts.
    """
    model = ThemeModel(params=params or ThemeParams())
    members: dict[int, list[int]] = {}
    for position, (text, language) in enumerate(texts):
        model, chosen = assign(model, text, language)
        members.setdefault(chosen.theme_id, []).append(position)
    docs = [_document(text, language, model.params) for text, language in texts]
    idf = _Idf(model.documents, model.frequencies)
    groups = _merged(list(members.values()), docs, idf, model.params)
    groups = sorted(_refined(groups, docs, idf, model.params), key=min)
    themes: list[ThemeCentroid] = []
    ids = [0] * len(docs)
    for theme_id, group in enumerate(groups, start=1):
        weights, forms, counts = _centroid(group, docs, model.params.top_terms)
        themes.append(ThemeCentroid(theme_id, len(group), weights, forms, counts))
        for position in group:
            ids[position] = theme_id
    frequencies, next_id = model.frequencies, len(themes) + 1
    return ThemeModel(tuple(themes), len(docs), frequencies, next_id, model.params), ids


def _centroid(
    members: Sequence[int], docs: Sequence[_Document], top: int | None
) -> tuple[dict[str, float], dict[str, Form], dict[str, int]]:
    summed: dict[str, float] = {}
    forms: dict[str, Form] = {}
    counts: dict[str, int] = {}
    for position in sorted(members):
        for term, weight in docs[position].weights.items():
            summed[term] = summed.get(term, 0.0) + weight
            forms.setdefault(term, docs[position].forms[term])
            counts[term] = counts.get(term, 0) + 1
    kept = sorted(summed.items(), key=lambda item: (-item[1], item[0]))[:top]
    return dict(kept), {t: forms[t] for t, _ in kept}, {t: counts[t] for t, _ in kept}


def _merged(
    groups: list[list[int]], docs: Sequence[_Document], idf: _Idf, params: ThemeParams
) -> list[list[int]]:
    """Merge the most similar pair of themes while their centroids reach ``merge_threshold``."""
    live = dict(enumerate(groups))
    centroids = {g: _centroid(members, docs, params.top_terms)[0] for g, members in live.items()}
    version = dict.fromkeys(live, 0)
    heap: list[tuple[float, int, int, int, int]] = []

    def push(group: int, others: list[int]) -> None:
        query = _Document(centroids[group], {})
        for k, value in _similarities(query, [centroids[o] for o in others], idf):
            if value >= params.merge_threshold:
                a, b = sorted((group, others[k]))
                heapq.heappush(heap, (-value, a, b, version[a], version[b]))

    for group in live:
        push(group, [o for o in live if o > group])
    while heap:
        _, a, b, seen_a, seen_b = heapq.heappop(heap)
        if a not in live or b not in live or (version[a], version[b]) != (seen_a, seen_b):
            continue  # measured before one of the two changed
        live[a] = live[a] + live.pop(b)
        version[a] += 1
        centroids[a] = _centroid(live[a], docs, params.top_terms)[0]
        push(a, [o for o in live if o != a])
    return list(live.values())


def _refined(
    groups: list[list[int]], docs: Sequence[_Document], idf: _Idf, params: ThemeParams
) -> list[list[int]]:
    """Move each problem to a theme that fits it better than its own does (three rounds).

    O(N·(d·P + d)) a round: only themes sharing a term with a problem are visited, and its own
    theme without it is measured from that theme's whole sum by correcting the problem's terms.
    """
    for _ in range(3):
        sums = [_centroid(members, docs, None)[0] for members in groups]
        index = _Postings([_added({}, summed, params.top_terms) for summed in sums], idf)
        lengths = [sum((w * idf(t)) ** 2 for t, w in summed.items()) for summed in sums]
        owner = {position: g for g, members in enumerate(groups) for position in members}
        moved: list[list[int]] = [[] for _ in groups]
        for position, doc in enumerate(docs):
            own = owner[position]
            fit = _fit(doc, sums[own], lengths[own], idf)
            best, similarity = own, 0.0
            for group, value in index.cosines(doc, idf):
                if group != own and value > similarity:
                    best, similarity = group, value
            target = best if similarity >= params.threshold and similarity > fit else own
            moved[target].append(position)
        if moved == [sorted(members) for members in groups]:
            break
        groups = [members for members in moved if members]
    return groups


class _Postings:
    """Centroids by term, with their idf-weighted lengths, for comparing many problems."""

    def __init__(self, centroids: Sequence[Mapping[str, float]], idf: _Idf) -> None:
        self.terms: dict[str, list[tuple[int, float]]] = {}
        for group, weights in enumerate(centroids):
            for term, weight in weights.items():
                self.terms.setdefault(term, []).append((group, weight))
        self.norms = [idf.norm(weights) for weights in centroids]

    def cosines(self, doc: _Document, idf: _Idf) -> list[tuple[int, float]]:
        """Return (group, cosine) of the centroids sharing a term with ``doc``, by group."""
        dots: dict[int, float] = {}
        for term, weight in doc.weights.items():
            query = weight * idf(term) ** 2
            for group, value in self.terms.get(term, ()):
                dots[group] = dots.get(group, 0.0) + query * value
        query_norm = idf.norm(doc.weights)
        return sorted(
            (group, dot / (self.norms[group] * query_norm))
            for group, dot in dots.items()
            if dot > 0.0
        )


def _fit(doc: _Document, summed: Mapping[str, float], length: float, idf: _Idf) -> float:
    """Return the cosine of ``doc`` with its theme's ``summed`` vector less ``doc`` itself.

    ``length`` is the squared idf-weighted length of ``summed``; only ``doc``'s terms change.
    """
    dot, rest = 0.0, length
    for term, weight in doc.weights.items():
        total = summed.get(term)
        if total is None:
            continue
        scale, left = idf(term) ** 2, total - weight
        rest -= total * total * scale
        if left > 1e-9:  # a term only this problem held leaves the theme with it
            rest += left * left * scale
            dot += weight * scale * left
    if dot <= 0.0 or rest <= 0.0:
        return 0.0
    return dot / (math.sqrt(rest) * idf.norm(doc.weights))
