"""Recurring themes: give each new problem a theme as it is saved, and rebuild them all at once.

A problem becomes a sparse term vector (``flows.text_normalise``); a theme keeps the sum of its
members' unit vectors, cut to its ``top_terms`` heaviest terms. Similarity is the cosine of the
two after weighting both by inverse document frequency, which is applied at comparison time so
that old centroids never carry stale weights.

Cost of ``assign``: O(T·d + C·k + V/B) for T themes, d terms in the text, C themes sharing a
term with it, k = ``top_terms`` and a vocabulary of V ≤ ``vocabulary`` terms kept in B = 1024
buckets. Nothing depends on the number of problems stored. The model is an immutable value:
an update copies the theme tuple, one theme and the few frequency buckets it touches.
"""

import heapq
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Self

from flows.text_normalise import terms

_BUCKETS = 1024
_VERSION = 1


@dataclass(frozen=True, slots=True)
class ThemeParams:
    """How themes form; the defaults were tuned on the dev half of the labelled set."""

    threshold: float = 0.2  # join the most similar theme at or above this cosine
    merge_threshold: float = 0.35  # rebuild merges themes whose centroids are this similar
    concept_weight: float = 1.5  # a lexicon concept counts more than a plain stem
    top_terms: int = 40  # terms kept per theme
    vocabulary: int = 20_000  # document frequencies kept (the most frequent terms)


class Frequencies(Mapping[str, int]):
    """Document frequencies as a persistent map: ``counted`` shares all untouched buckets."""

    __slots__ = ("_buckets", "_size")

    def __init__(self, counts: Mapping[str, int] | None = None) -> None:
        buckets: list[dict[str, int]] = [{} for _ in range(_BUCKETS)]
        for term, count in (counts or {}).items():
            buckets[hash(term) % _BUCKETS][term] = count
        self._buckets: tuple[dict[str, int], ...] = tuple(buckets)
        self._size = sum(map(len, buckets))

    def __getitem__(self, term: str) -> int:
        return self._buckets[hash(term) % _BUCKETS][term]

    def get(self, term: str, default: Any = 0) -> Any:  # noqa: D102 - the hot path
        return self._buckets[hash(term) % _BUCKETS].get(term, default)

    def __iter__(self) -> Iterator[str]:
        return (term for bucket in self._buckets for term in bucket)

    def __len__(self) -> int:
        return self._size

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]

    def counted(self, new_terms: Sequence[str], limit: int) -> "Frequencies":
        """Return a copy with each of ``new_terms`` counted once more, keeping ``limit`` terms."""
        buckets = list(self._buckets)
        size = self._size
        for term in new_terms:
            index = hash(term) % _BUCKETS
            if buckets[index] is self._buckets[index]:
                buckets[index] = dict(buckets[index])
            size += term not in buckets[index]
            buckets[index][term] = buckets[index].get(term, 0) + 1
        result = Frequencies.__new__(Frequencies)
        result._buckets, result._size = tuple(buckets), size
        return result.pruned(limit) if size > limit else result

    def pruned(self, limit: int) -> "Frequencies":
        """Keep the most frequent 90 % of ``limit`` terms, so pruning is rare (amortised)."""
        ranked = sorted(self.items(), key=lambda item: (-item[1], item[0]))
        return Frequencies(dict(ranked[: limit * 9 // 10]))


@dataclass(frozen=True, slots=True)
class Theme:
    """One recurring theme: its centroid terms, how many problems it holds, readable words."""

    id: int
    size: int
    weights: Mapping[str, float]  # sum of the members' unit term vectors, top terms only
    forms: Mapping[str, str]  # term → a word residents used for it


_EMPTY = Theme(0, 0, {}, {})


@dataclass(frozen=True, slots=True)
class ThemeModel:
    """All themes and the document frequencies they are compared with; stored whole as JSON."""

    themes: tuple[Theme, ...] = ()
    documents: int = 0
    frequencies: Frequencies = field(default_factory=Frequencies)
    next_id: int = 1
    params: ThemeParams = field(default_factory=ThemeParams)

    def theme(self, theme_id: int) -> Theme:
        """Return the theme with ``theme_id``; KeyError if there is none."""
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(theme_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": _VERSION,
            "documents": self.documents,
            "next_id": self.next_id,
            "params": asdict(self.params),
            "frequencies": dict(sorted(self.frequencies.items())),
            "themes": [
                {"id": t.id, "size": t.size, "weights": dict(t.weights), "forms": dict(t.forms)}
                for t in self.themes
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild a model saved by ``to_dict``; unknown parameters are ignored."""
        if data.get("version") != _VERSION:
            raise ValueError(f"unsupported theme model version: {data.get('version')!r}")
        known = ThemeParams.__dataclass_fields__
        params = ThemeParams(**{k: v for k, v in data["params"].items() if k in known})
        themes = tuple(
            Theme(
                id=int(t["id"]),
                size=int(t["size"]),
                weights={str(k): float(v) for k, v in t["weights"].items()},
                forms={str(k): str(v) for k, v in t["forms"].items()},
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
class Document:
    """A text as a unit term vector, with the word behind each term (for labels)."""

    weights: Mapping[str, float]
    forms: Mapping[str, str]


def document(text: str, language: str, params: ThemeParams) -> Document:
    """Turn ``text`` into a unit-length term vector; concepts weigh ``concept_weight``."""
    counts: dict[str, float] = {}
    bases: dict[str, float] = {}
    forms: dict[str, str] = {}
    for found in terms(text, language):
        counts[found.term] = counts.get(found.term, 0.0) + 1.0
        bases[found.term] = params.concept_weight if found.concept else 1.0
        forms.setdefault(found.term, found.form)
    weights = {t: bases[t] * (1.0 + math.log(n)) for t, n in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return Document({t: w / norm for t, w in weights.items()}, forms)


class Idf:
    """Inverse document frequencies of one moment, memoised for one pass."""

    __slots__ = ("_frequencies", "_memo", "_scale")

    def __init__(self, documents: int, frequencies: Mapping[str, int]) -> None:
        self._frequencies = frequencies
        self._scale = math.log(1.0 + documents)
        self._memo: dict[str, float] = {}

    def __call__(self, term: str) -> float:
        value = self._memo.get(term)
        if value is None:
            value = self._scale - math.log(1.0 + self._frequencies.get(term, 0)) + 1.0
            self._memo[term] = value
        return value


def similarities(
    doc: Document, centroids: Sequence[Mapping[str, float]], idf: Idf
) -> Iterator[tuple[int, float]]:
    """Yield (index, cosine) for every centroid that shares a term with ``doc``."""
    query = {t: w * idf(t) ** 2 for t, w in doc.weights.items()}
    query_norm = math.sqrt(sum((w * idf(t)) ** 2 for t, w in doc.weights.items()))
    if not query_norm:
        return
    for index, weights in enumerate(centroids):
        dot = sum(w * weights[t] for t, w in query.items() if t in weights)
        if dot > 0.0:
            norm = math.sqrt(sum((w * idf(t)) ** 2 for t, w in weights.items()))
            yield index, dot / (norm * query_norm)


def added(weights: Mapping[str, float], more: Mapping[str, float], top: int) -> dict[str, float]:
    """Return the centroid ``weights`` plus ``more``, cut to its ``top`` heaviest terms."""
    summed = dict(weights)
    for term, weight in more.items():
        summed[term] = summed.get(term, 0.0) + weight
    return dict(sorted(summed.items(), key=lambda item: (-item[1], item[0]))[:top])


def _grown(theme: Theme, theme_id: int, size: int, more: Document, top: int) -> Theme:
    weights = added(theme.weights, more.weights, top)
    forms = {t: theme.forms.get(t) or more.forms[t] for t in weights}
    return Theme(theme_id, size, weights, forms)


def assign(model: ThemeModel, text: str, language: str) -> tuple[ThemeModel, Assignment]:
    """Count ``text`` and put it in its most similar theme, or open a new one."""
    params = model.params
    doc = document(text, language, params)
    frequencies = model.frequencies.counted(list(doc.weights), params.vocabulary)
    idf = Idf(model.documents + 1, frequencies)
    best, similarity = -1, 0.0
    for index, value in similarities(doc, [t.weights for t in model.themes], idf):
        if value > similarity:  # ties keep the older theme
            best, similarity = index, value
    themes = list(model.themes)
    if best >= 0 and similarity >= params.threshold:
        old = themes[best]
        themes[best] = _grown(old, old.id, old.size + 1, doc, params.top_terms)
        chosen = Assignment(old.id, similarity, created=False)
    else:
        themes.append(_grown(_EMPTY, model.next_id, 1, doc, params.top_terms))
        chosen = Assignment(model.next_id, similarity, created=True)
    next_id = model.next_id + chosen.created
    new = replace(model, themes=tuple(themes), documents=model.documents + 1)
    return replace(new, frequencies=frequencies, next_id=next_id), chosen


def similar(
    model: ThemeModel, text: str, language: str, limit: int = 3
) -> list[tuple[int, float]]:
    """Return up to ``limit`` (theme id, cosine) nearest to ``text``, most similar first."""
    doc = document(text, language, model.params)
    idf = Idf(model.documents, model.frequencies)
    found = similarities(doc, [t.weights for t in model.themes], idf)
    ranked = sorted(((model.themes[i].id, s) for i, s in found), key=lambda p: (-p[1], p[0]))
    return ranked[:limit]


def merge(model: ThemeModel, keep: int, absorb: int) -> ThemeModel:
    """Fold theme ``absorb`` into theme ``keep``; ``absorb`` disappears."""
    if keep == absorb:
        raise ValueError("a theme cannot absorb itself")
    kept, gone = model.theme(keep), model.theme(absorb)
    more = Document(gone.weights, gone.forms)
    joined = _grown(kept, keep, kept.size + gone.size, more, model.params.top_terms)
    themes = tuple(joined if t.id == keep else t for t in model.themes if t.id != absorb)
    return replace(model, themes=themes)


def label(model: ThemeModel, theme_id: int, count: int = 3) -> str:
    """Name a theme by its most telling words, e.g. "buss · avgang · kveld"."""
    theme = model.theme(theme_id)
    idf = Idf(model.documents, model.frequencies)
    ranked = sorted(theme.weights, key=lambda t: (-theme.weights[t] * idf(t), t))
    words: list[str] = []
    for term in ranked:
        form = theme.forms[term]
        if not any(form in word or word in form for word in words):
            words.append(form)
        if len(words) == count:
            break
    return " · ".join(words)


def representative(
    model: ThemeModel, theme_id: int, members: Sequence[tuple[str, str]], limit: int = 3
) -> list[int]:
    """Pick up to ``limit`` members (text, language) that best show a theme, as indices.

    The closest to the centroid come first; a near-repeat of a quote already picked is skipped.
    """
    theme = model.theme(theme_id)
    idf = Idf(model.documents, model.frequencies)
    docs = [document(text, language, model.params) for text, language in members]
    closeness = [next(similarities(d, [theme.weights], idf), (0, 0.0))[1] for d in docs]
    order = sorted(range(len(docs)), key=lambda i: (-closeness[i], len(members[i][0]), i))
    picked: list[int] = []
    for index in order:
        picked_weights = [docs[i].weights for i in picked]
        if all(s < 0.9 for _, s in similarities(docs[index], picked_weights, idf)):
            picked.append(index)
        if len(picked) == limit:
            break
    return picked


def rebuild(
    texts: Sequence[tuple[str, str]], params: ThemeParams | None = None
) -> tuple[ThemeModel, list[int]]:
    """Form themes afresh from (text, language) pairs; return the model and each text's theme."""
    params = params or ThemeParams()
    docs = [document(text, language, params) for text, language in texts]
    counts: dict[str, int] = {}
    for doc in docs:
        for term in doc.weights:
            counts[term] = counts.get(term, 0) + 1
    frequencies = Frequencies(counts)
    if len(frequencies) > params.vocabulary:
        frequencies = frequencies.pruned(params.vocabulary)
    idf = Idf(len(docs), frequencies)
    groups = _refined(_merged(_leader(docs, idf, params), docs, idf, params), docs, idf, params)
    groups = sorted((g for g in groups if g), key=min)  # number themes by their first problem
    themes: list[Theme] = []
    ids = [0] * len(docs)
    for theme_id, members in enumerate(groups, start=1):
        weights, forms = _centroid(members, docs, params.top_terms)
        themes.append(Theme(theme_id, len(members), weights, forms))
        for index in members:
            ids[index] = theme_id
    model = ThemeModel(tuple(themes), len(docs), frequencies, len(themes) + 1, params)
    return model, ids


def _centroid(
    members: Sequence[int], docs: Sequence[Document], top: int | None
) -> tuple[dict[str, float], dict[str, str]]:
    summed: dict[str, float] = {}
    forms: dict[str, str] = {}
    for index in sorted(members):
        for term, weight in docs[index].weights.items():
            summed[term] = summed.get(term, 0.0) + weight
            forms.setdefault(term, docs[index].forms[term])
    kept = sorted(summed.items(), key=lambda item: (-item[1], item[0]))[:top]
    return dict(kept), {t: forms[t] for t, _ in kept}


def _leader(docs: Sequence[Document], idf: Idf, params: ThemeParams) -> list[list[int]]:
    """Run the incremental assignment over ``docs`` in order, with fixed frequencies."""
    groups: list[list[int]] = []
    centroids: list[dict[str, float]] = []
    for index, doc in enumerate(docs):
        best, similarity = -1, 0.0
        for group, value in similarities(doc, centroids, idf):
            if value > similarity:
                best, similarity = group, value
        if best >= 0 and similarity >= params.threshold:
            groups[best].append(index)
            centroids[best] = added(centroids[best], doc.weights, params.top_terms)
        else:
            groups.append([index])
            centroids.append(added({}, doc.weights, params.top_terms))
    return groups


def _merged(
    groups: list[list[int]], docs: Sequence[Document], idf: Idf, params: ThemeParams
) -> list[list[int]]:
    """Merge the most similar pair of themes while their centroids reach ``merge_threshold``."""
    live = dict(enumerate(groups))
    centroids = {g: _centroid(members, docs, params.top_terms)[0] for g, members in live.items()}
    version = dict.fromkeys(live, 0)
    heap: list[tuple[float, int, int, int, int]] = []

    def push(group: int, others: list[int]) -> None:
        query = Document(centroids[group], {})
        for k, value in similarities(query, [centroids[o] for o in others], idf):
            if value >= params.merge_threshold:
                a, b = sorted((group, others[k]))
                heapq.heappush(heap, (-value, a, b, version[a], version[b]))

    for group in live:
        push(group, [o for o in live if o > group])
    while heap:
        _, a, b, version_a, version_b = heapq.heappop(heap)
        if a not in live or b not in live or (version[a], version[b]) != (version_a, version_b):
            continue  # a pair measured before one side changed
        live[a] = live[a] + live.pop(b)
        version[a] += 1
        centroids[a] = _centroid(live[a], docs, params.top_terms)[0]
        push(a, [o for o in live if o != a])
    return list(live.values())


def _refined(
    groups: list[list[int]], docs: Sequence[Document], idf: Idf, params: ThemeParams
) -> list[list[int]]:
    """Move each problem to a theme that fits it better than its own (at most three rounds)."""
    for _ in range(3):
        sums = [_centroid(members, docs, None)[0] for members in groups]
        centroids = [added({}, summed, params.top_terms) for summed in sums]
        owner = {index: g for g, members in enumerate(groups) for index in members}
        moved: list[list[int]] = [[] for _ in groups]
        changed = False
        for index, doc in enumerate(docs):
            own = owner[index]
            rest = {t: w - doc.weights.get(t, 0.0) for t, w in sums[own].items()}
            rest = {t: w for t, w in rest.items() if w > 1e-9}  # without this problem itself
            fit = next(similarities(doc, [rest], idf), (0, 0.0))[1]
            best, similarity = own, 0.0
            for g, value in similarities(doc, centroids, idf):
                if g != own and value > similarity:
                    best, similarity = g, value
            target = best if similarity >= params.threshold and similarity > fit else own
            moved[target].append(index)
            changed |= target != own
        groups = [members for members in moved if members]
        if not changed:
            break
    return groups
