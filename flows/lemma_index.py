"""simplemma's compressed dictionaries, searched in place with an index of a few bytes a block.

simplemma's ``low_memory`` backend keeps each language's dictionary as one front-coded stream
of sorted (word, lemma) records and, to find a word, bisects a list of every 32nd record's
word and resumes decoding from a tuple (offset, previous word, previous lemma) kept for that
block: about 250 bytes of Python objects per block, 30 MiB of Polish's 48. ``CompactStream``
reads the same stream with the same blocks, but keeps each block's first word and lemma in two
shared byte strings and the offsets in arrays: about 40 bytes a block. A lookup bisects the
first words, then decodes the rest of the block exactly as simplemma does (its own record
reader), so every word gets the lemma simplemma's own backend gives it.

The stream is decompressed into one growing buffer (``decompressed``): simplemma's own reader
collects the pieces and joins them, two copies at once (Polish's 18 MiB held three times,
with the decoder's window, while it loads: 55 MiB at start instead of 39).
"""

import lzma
from array import array
from collections.abc import Iterator, Mapping
from typing import cast

from simplemma.strategies.dictionaries import frontcode
from simplemma.strategies.dictionaries.dictionary_factory import (
    DATA_FOLDER,
    SUPPORTED_LANGUAGES,
    CachingDictionaryFactory,
    DecodedStrMapping,
)

BLOCK = 32  # records per block, as simplemma's stream backend
_PIECE = 1 << 20  # bytes decompressed at a time


class CompactStream(DecodedStrMapping):
    """Read-only {word: lemma} over one language's front-coded stream, decoded on demand."""

    __slots__ = (
        "_count",
        "_data",
        "_key_at",
        "_keys",
        "_pos",
        "_rest",
        "_rev",
        "_value_at",
        "_values",
    )

    def __init__(self, data: bytes | bytearray) -> None:
        self._data = cast(bytes, data)  # simplemma only indexes and slices it: a bytearray will do
        self._rev, self._count, self._pos = frontcode._read_header(self._data)
        keys, values = bytearray(), bytearray()
        key_at, value_at = array("I", [0]), array("I", [0])
        rest = array("I")  # where each block's second record starts
        index = -1
        records = frontcode._iter_records(self._data, self._pos)
        for index, (start, key, value) in enumerate(records):
            if index % BLOCK == 0:
                keys += key
                values += value
                key_at.append(len(keys))
                value_at.append(len(values))
            elif index % BLOCK == 1:
                rest.append(start)
        if index + 1 != self._count:
            raise ValueError(frontcode._CORRUPT_STREAM_MSG)
        if len(rest) < len(key_at) - 1:  # the last block holds one record
            rest.append(len(data))
        self._keys, self._values = bytes(keys), bytes(values)
        self._key_at, self._value_at, self._rest = key_at, value_at, rest

    def _lookup(self, key: str) -> str | None:
        target = key.encode()
        if self._rev:
            target = target[::-1]
        keys, at = self._keys, self._key_at
        low, high = 0, len(at) - 1
        while low < high:  # the first block whose first word is above the target
            middle = (low + high) // 2
            if target < keys[at[middle] : at[middle + 1]]:
                high = middle
            else:
                low = middle + 1
        block = low - 1
        if block < 0:
            return None
        first = keys[at[block] : at[block + 1]]
        value = self._values[self._value_at[block] : self._value_at[block + 1]]
        if first != target:
            # Sorted words bound the scan: the next block's first word exceeds the target.
            for _, stored_key, stored_value in frontcode._iter_records(
                self._data, self._rest[block], first, value
            ):
                if stored_key == target:
                    value = stored_value
                    break
                if stored_key > target:
                    return None
            else:
                return None
        return (value[::-1] if self._rev else value).decode()

    def __iter__(self) -> Iterator[str]:
        for _, stored_key, _ in frontcode._iter_records(self._data, self._pos):
            yield (stored_key[::-1] if self._rev else stored_key).decode()

    def __len__(self) -> int:
        return self._count


class CompactDictionaryFactory(CachingDictionaryFactory):
    """simplemma's dictionary factory, each language read once into a ``CompactStream``."""

    __slots__ = ()

    def _get_dictionary_uncached(self, lang: str) -> Mapping[str, str]:
        return CompactStream(decompressed(lang))


def decompressed(lang: str) -> bytearray:
    """Return simplemma's stream for ``lang``, the bytes its own reader returns, in one buffer."""
    if lang not in SUPPORTED_LANGUAGES:  # as simplemma checks: no other file is read
        raise ValueError(f"Unsupported language: {lang}")
    data = bytearray()
    with lzma.open(DATA_FOLDER / f"{lang}.plzma", "rb") as stream:
        while piece := stream.read(_PIECE):
            data += piece  # grown in place (mremap): never a second copy of the whole
    return data
