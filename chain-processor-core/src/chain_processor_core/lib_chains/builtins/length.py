"""Length: cutting text to a size and counting its words."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from chain_processor_core.exceptions.errors import InvalidConfigError
from chain_processor_core.lib_chains.base import ChainNode, NodeConfig

_BREAKS = " \t\n\r\f\v"


class TruncateConfig(NodeConfig):
    max_chars: int = Field(
        ge=1, le=10_000_000, description="The longest output, ellipsis included."
    )
    ellipsis: str = Field(default="…", max_length=100, description="Appended when the text is cut.")
    word_boundary: bool = Field(
        default=False, description="Cut at the last whitespace instead of inside a word."
    )

    @model_validator(mode="after")
    def _check_room(self) -> TruncateConfig:
        if len(self.ellipsis) >= self.max_chars:
            raise InvalidConfigError(
                f"The ellipsis must be shorter than max_chars ({self.max_chars})",
                field="ellipsis",
            )
        return self


class Truncate(ChainNode[TruncateConfig]):
    name = "truncate"
    title = "Truncate"
    description = "Cut the text to at most max_chars characters, ending with an ellipsis."
    tags = ("length",)
    Config = TruncateConfig

    def process(self, input_text: str, config: TruncateConfig) -> str:
        if len(input_text) <= config.max_chars:
            return input_text
        keep = config.max_chars - len(config.ellipsis)
        head = input_text[:keep]
        if config.word_boundary and not input_text[keep].isspace():
            boundary = max(head.rfind(space) for space in _BREAKS)
            if boundary > 0:
                head = head[:boundary]
        return head.rstrip() + config.ellipsis


class WordCountConfig(NodeConfig):
    output: Literal["number", "prepend"] = Field(
        default="number",
        description='"number": just the count; "prepend": "Word count: N", '
        "a blank line, then the text.",
    )


class WordCount(ChainNode[WordCountConfig]):
    name = "word_count"
    title = "Word count"
    description = "Count the whitespace-separated words."
    tags = ("length", "stats")
    Config = WordCountConfig

    def process(self, input_text: str, config: WordCountConfig) -> str:
        count = len(input_text.split())
        if config.output == "prepend":
            return f"Word count: {count}\n\n{input_text}"
        return str(count)
