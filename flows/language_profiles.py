"""langdetect's language profiles held sparsely: the same probabilities in a fraction of memory.

langdetect keeps, for each of its 87,598 n-grams, a list of one probability per language (55),
although only 184,129 of those 4.8 million numbers are not zero: 65 MiB as Python lists, a
quarter of an idle bot. ``SparseProfiles`` keeps per n-gram only its (language position,
probability) pairs, packed in bytes, and hands langdetect's detector the same dense row when
it looks an n-gram up: the same floats in the same order, so the same answers. A text's few
n-grams are looked up again and again (every random trial), so recent rows are cached.
"""

import functools
import json
import struct
from collections.abc import Iterable, Iterator, Mapping

_PAIR = struct.Struct("<Hd")  # language position, probability
_N_GRAM = 3  # langdetect's longest n-gram; longer words in a profile never get a probability
_ROWS_CACHED = 4_096  # dense rows kept (about 480 bytes each)


class SparseProfiles(Mapping[str, tuple[float, ...]]):
    """{n-gram: its probability in each language}, read-only, built from langdetect's JSON."""

    __slots__ = ("_dense", "_packed", "languages")

    def __init__(self, profiles: Iterable[str]) -> None:
        """Read the JSON ``profiles`` (in langdetect's format), numbered in the order given."""
        texts = list(profiles)
        if len(texts) < 2:  # langdetect refuses fewer as well
            raise ValueError("langdetect needs at least two language profiles")
        languages: list[str] = []
        packed: dict[str, bytes] = {}
        for position, text in enumerate(texts):
            profile = json.loads(text)
            name, freq, n_words = profile["name"], profile["freq"], profile["n_words"]
            if name in languages:
                raise ValueError(f"language profile {name!r} given twice")
            languages.append(name)
            for word, count in freq.items():
                row = packed.get(word, b"")
                if 1 <= len(word) <= _N_GRAM:
                    # The very expression of langdetect's DetectorFactory.add_profile.
                    row += _PAIR.pack(position, 1.0 * count / n_words[len(word) - 1])
                packed[word] = row
        self._packed = packed
        self.languages = tuple(languages)
        self._dense = functools.lru_cache(maxsize=_ROWS_CACHED)(self._unpacked)

    def _unpacked(self, word: str) -> tuple[float, ...]:
        row = [0.0] * len(self.languages)
        for position, probability in _PAIR.iter_unpack(self._packed[word]):
            row[position] = probability
        return tuple(row)

    def __getitem__(self, word: str) -> tuple[float, ...]:
        return self._dense(word)

    def __contains__(self, word: object) -> bool:
        return word in self._packed

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)
