"""Regular expressions: replacing and extracting matches.

Patterns use Python's :mod:`re` syntax. Python's engine backtracks, so a hostile pattern can
take exponential time; patterns are capped at :data:`MAX_PATTERN_CHARS` and the classic
catastrophic shape, a group ending in an unbounded quantifier that is itself repeated without
bound (``(a+)+``, ``(\\w*)*``), is refused. This is a heuristic, not a proof: the executor's
time limit is the real backstop.
"""

from __future__ import annotations

import re
from functools import cached_property

from pydantic import Field, field_validator, model_validator

from chain_processor_core.exceptions.errors import InvalidConfigError, InvalidInputError
from chain_processor_core.lib_chains.base import ChainNode, NodeConfig

MAX_PATTERN_CHARS = 500
_UNBOUNDED = r"(?:[*+]|\{\d*,\})"
_NESTED_QUANTIFIER = re.compile(rf"(?<!\\){_UNBOUNDED}[?+]?\){_UNBOUNDED}")


class PatternConfig(NodeConfig):
    pattern: str = Field(
        min_length=1, max_length=MAX_PATTERN_CHARS, description="A Python regular expression."
    )
    ignore_case: bool = Field(default=False, description="Match letters in any case.")
    multiline: bool = Field(default=False, description="`^` and `$` match at every line.")
    dotall: bool = Field(default=False, description="`.` also matches line breaks.")

    @field_validator("pattern")
    @classmethod
    def _check_pattern(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"Invalid regular expression: {error}") from None
        if _NESTED_QUANTIFIER.search(pattern):
            raise ValueError(
                "Nested unbounded quantifiers such as (a+)+ can take exponential time; "
                "rewrite the pattern without them"
            )
        return pattern

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        """The pattern compiled with the chosen flags."""
        flags = re.NOFLAG
        if self.ignore_case:
            flags |= re.IGNORECASE
        if self.multiline:
            flags |= re.MULTILINE
        if self.dotall:
            flags |= re.DOTALL
        return re.compile(self.pattern, flags)


class RegexReplaceConfig(PatternConfig):
    replacement: str = Field(
        default="",
        max_length=10_000,
        description=r"The replacement; `\1` or `\g<name>` insert a group.",
    )
    count: int = Field(default=0, ge=0, description="Replace at most this many; 0 means all.")


class RegexReplace(ChainNode[RegexReplaceConfig]):
    name = "regex_replace"
    title = "Regex replace"
    description = "Replace every match of a regular expression."
    tags = ("regex", "replace")
    Config = RegexReplaceConfig

    def process(self, input_text: str, config: RegexReplaceConfig) -> str:
        try:
            return config.compiled.sub(config.replacement, input_text, count=config.count)
        except re.error as error:
            raise InvalidConfigError(f"Invalid replacement: {error}", field="replacement") from None


class RegexExtractConfig(PatternConfig):
    group: int | str = Field(
        default=0, description="The group to extract: a number (0 = whole match) or a name."
    )
    separator: str = Field(default="\n", description="Put between the matches.")
    unique: bool = Field(default=False, description="Keep only the first of equal matches.")
    default: str | None = Field(
        default=None, description="The output when nothing matches; an error when not set."
    )

    @model_validator(mode="after")
    def _check_group(self) -> RegexExtractConfig:
        compiled = self.compiled
        if isinstance(self.group, str):
            known = self.group in compiled.groupindex
        else:
            known = 0 <= self.group <= compiled.groups
        if not known:
            raise InvalidConfigError(f"The pattern has no group {self.group!r}", field="group")
        return self


class RegexExtract(ChainNode[RegexExtractConfig]):
    name = "regex_extract"
    title = "Regex extract"
    description = "Output every match of a regular expression (or one of its groups)."
    tags = ("regex", "extract")
    Config = RegexExtractConfig

    def process(self, input_text: str, config: RegexExtractConfig) -> str:
        found: list[str] = []
        seen: set[str] = set()
        for match in config.compiled.finditer(input_text):
            value = match.group(config.group)
            if value is None or (config.unique and value in seen):
                continue
            seen.add(value)
            found.append(value)
        if not found:
            if config.default is None:
                raise InvalidInputError("The pattern matches nothing in the input")
            return config.default
        return config.separator.join(found)
