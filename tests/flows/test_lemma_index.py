"""The compact dictionary index gives every word the lemma simplemma's own backend gives."""

import itertools

import pytest
from simplemma.strategies.dictionaries.stream_dictionary_factory import StreamMap

from flows.lemma_index import BLOCK, CompactStream, decompressed

OFFERED = ("nb", "nn", "en", "pl", "uk")  # the interview file's languages
SAMPLED = 4_000  # dictionary words a language, spread over the whole dictionary


def _asked(words: list[str]) -> list[str]:
    """Return ``words`` and words near them that may or may not be in the dictionary."""
    near = [w[:-1] for w in words] + [w + "a" for w in words] + [w.capitalize() for w in words]
    return [*words, *near, "", "a", "zzzzzzzz", "\uffff", "ą", "я"]


@pytest.mark.parametrize("language", OFFERED)
def test_every_word_gets_the_lemma_simplemma_gives(language: str) -> None:
    theirs = StreamMap(language)
    ours = CompactStream(decompressed(language))  # as the bot reads it: in one buffer
    assert len(ours) == len(theirs)
    # An odd step meets every position within a block: its first, second and last records too.
    step = (len(theirs) // SAMPLED) | 1
    words = list(itertools.islice(theirs, 0, None, step))
    assert any(i * step % BLOCK == 0 for i in range(len(words)))
    asked = _asked(words)
    assert [ours.get(w) for w in asked] == [theirs.get(w) for w in asked]
    assert all(ours.get(w) is not None for w in words)  # every sampled word is found
