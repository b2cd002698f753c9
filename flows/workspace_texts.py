"""The workspace's page texts: one table per staff language, each with every key of the first."""

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from flows.texts import ContentError


@dataclass(frozen=True, slots=True)
class PageTexts:
    """Page texts by language; ``{name}`` placeholders are filled by ``fill``."""

    languages: tuple[str, ...]
    tables: Mapping[str, Mapping[str, str]]

    def pick(self, language: str) -> str:
        """Return ``language`` if offered, else the first language."""
        return language if language in self.tables else self.languages[0]

    def fill(self, key: str, language: str, **values: object) -> str:
        """Return the text ``key`` in ``language`` with its placeholders filled (not escaped)."""
        return self.tables[self.pick(language)][key].format_map(values)


def parse_page_texts(text: str, source: str) -> PageTexts:
    """Parse and check the page texts; raise ContentError naming every missing key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ContentError(source, [str(error)]) from None
    problems: list[str] = []
    languages = tuple(data)
    if not languages:
        raise ContentError(source, ["needs a table per language, e.g. [nb]"])
    first = data[languages[0]]
    for language in languages:
        table = data[language]
        problems += [f"{language}.{key}: missing" for key in first if key not in table]
        problems += [
            f"{language}.{key}: must be text" for key, v in table.items() if not isinstance(v, str)
        ]
    if problems:
        raise ContentError(source, problems)
    tables = {code: MappingProxyType(dict(data[code])) for code in languages}
    return PageTexts(languages, MappingProxyType(tables))
