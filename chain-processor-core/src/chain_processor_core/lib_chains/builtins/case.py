"""Letter case: uppercase, lowercase, title case, and slugs."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import Field

from chain_processor_core.exceptions.errors import InvalidInputError
from chain_processor_core.lib_chains.base import ChainNode, EmptyConfig, NodeConfig

_WORD = re.compile("[^\\W_]+(?:['\u2019][^\\W_]+)*")  # \u2019: typographic apostrophe
_SMALL_WORDS = frozenset(
    "a an and as at but by en for if in nor of on or per the to v vs via".split()
)


class Uppercase(ChainNode[EmptyConfig]):
    name = "uppercase"
    title = "Uppercase"
    description = "Convert the text to upper case."
    tags = ("case",)

    def process(self, input_text: str, config: EmptyConfig) -> str:
        return input_text.upper()


class Lowercase(ChainNode[EmptyConfig]):
    name = "lowercase"
    title = "Lowercase"
    description = "Convert the text to lower case."
    tags = ("case",)

    def process(self, input_text: str, config: EmptyConfig) -> str:
        return input_text.lower()


class TitlecaseConfig(NodeConfig):
    lower_rest: bool = Field(
        default=True,
        description="Lower-case the rest of each word; off keeps acronyms such as NASA.",
    )
    small_words: bool = Field(
        default=False,
        description="Keep short English words (a, of, the, ...) lower case, "
        "except the first and last word.",
    )


class Titlecase(ChainNode[TitlecaseConfig]):
    name = "titlecase"
    title = "Title case"
    description = "Capitalise the first letter of every word; apostrophes stay inside words."
    tags = ("case",)
    Config = TitlecaseConfig

    def process(self, input_text: str, config: TitlecaseConfig) -> str:
        words = list(_WORD.finditer(input_text))
        last = len(words) - 1
        pieces: list[str] = []
        position = 0
        for index, match in enumerate(words):
            word = match[0]
            rest = word[1:].lower() if config.lower_rest else word[1:]
            small = config.small_words and word.lower() in _SMALL_WORDS
            if small and 0 < index < last:
                new = word.lower()
            else:
                new = word[0].upper() + rest
            pieces += [input_text[position : match.start()], new]
            position = match.end()
        pieces.append(input_text[position:])
        return "".join(pieces)


class SlugifyConfig(NodeConfig):
    separator: Literal["-", "_"] = Field(default="-", description="Put between words.")
    lowercase: bool = Field(default=True, description="Lower-case the slug.")
    ascii_only: bool = Field(
        default=True, description="Strip accents and drop characters outside ASCII."
    )
    max_length: int | None = Field(
        default=None, ge=1, description="Cut the slug to at most this many characters."
    )


class Slugify(ChainNode[SlugifyConfig]):
    name = "slugify"
    title = "Slugify"
    description = "Turn the text into a URL slug such as `hello-world`."
    tags = ("case", "url")
    Config = SlugifyConfig

    def process(self, input_text: str, config: SlugifyConfig) -> str:
        text = unicodedata.normalize("NFKD" if config.ascii_only else "NFKC", input_text)
        if config.ascii_only:
            text = text.encode("ascii", "ignore").decode("ascii")
        if config.lowercase:
            text = text.lower()
        slug = re.sub(r"[\W_]+", config.separator, text).strip(config.separator)
        if config.max_length is not None:
            slug = slug[: config.max_length].rstrip(config.separator)
        if not slug:
            raise InvalidInputError("Input has no letters or digits to make a slug from")
        return slug
