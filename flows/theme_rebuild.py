"""Form themes afresh from every problem: assign in order, merge the closest, refine.

A rebuilt theme takes over what staff said about the old one most of its problems came from
(``successors``): its status and history, and whether it is public.
"""

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from flows.themes import (
    Document,
    Form,
    Idf,
    ThemeCentroid,
    ThemeModel,
    ThemeParams,
    assign,
    document,
    heaviest,
    similarities,
)


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
    docs = [document(text, language, model.params) for text, language in texts]
    idf = Idf(model.documents, model.frequencies)
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
    members: Sequence[int], docs: Sequence[Document], top: int | None
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
        _, a, b, seen_a, seen_b = heapq.heappop(heap)
        if a not in live or b not in live or (version[a], version[b]) != (seen_a, seen_b):
            continue  # measured before one of the two changed
        live[a] = live[a] + live.pop(b)
        version[a] += 1
        centroids[a] = _centroid(live[a], docs, params.top_terms)[0]
        push(a, [o for o in live if o != a])
    return list(live.values())


def _refined(
    groups: list[list[int]], docs: Sequence[Document], idf: Idf, params: ThemeParams
) -> list[list[int]]:
    """Move each problem to a theme that fits it better than its own does (three rounds).

    O(N·(d·P + d)) a round: only themes sharing a term with a problem are visited, and its own
    theme without it is measured from that theme's whole sum by correcting the problem's terms.
    """
    for _ in range(3):
        sums = [_centroid(members, docs, None)[0] for members in groups]
        index = _Postings([heaviest({}, summed, params.top_terms) for summed in sums], idf)
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

    def __init__(self, centroids: Sequence[Mapping[str, float]], idf: Idf) -> None:
        self.terms: dict[str, list[tuple[int, float]]] = {}
        for group, weights in enumerate(centroids):
            for term, weight in weights.items():
                self.terms.setdefault(term, []).append((group, weight))
        self.norms = [idf.norm(weights) for weights in centroids]

    def cosines(self, doc: Document, idf: Idf) -> list[tuple[int, float]]:
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


def _fit(doc: Document, summed: Mapping[str, float], length: float, idf: Idf) -> float:
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


def successors(moves: Iterable[tuple[int | None, int]]) -> dict[int, int]:
    """Return {new theme: the old theme it takes over} from each problem's (old, new) theme.

    A new theme takes over the old theme that holds the largest share of its problems that had
    a theme before (the older theme on a tie). An old theme split in two may be taken over by
    both; a new theme of problems that had no theme takes over nothing.
    """
    shares: dict[int, Counter[int]] = {}
    for old, new in moves:
        if old is not None and old != new:
            shares.setdefault(new, Counter())[old] += 1
    return {
        new: min(counts, key=lambda old: (-counts[old], old)) for new, counts in shares.items()
    }
