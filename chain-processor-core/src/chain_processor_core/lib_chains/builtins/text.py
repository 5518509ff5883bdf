"""Literal text edits: replacing a string, adding a prefix and suffix."""

from __future__ import annotations

import re

from pydantic import Field

from chain_processor_core.lib_chains.base import ChainNode, NodeConfig

MAX_LITERAL_CHARS = 10_000


class ReplaceTextConfig(NodeConfig):
    find: str = Field(
        min_length=1, max_length=MAX_LITERAL_CHARS, description="The exact text to look for."
    )
    replacement: str = Field(
        default="", max_length=MAX_LITERAL_CHARS, description="What to put instead."
    )
    count: int = Field(default=0, ge=0, description="Replace at most this many; 0 means all.")
    ignore_case: bool = Field(default=False, description="Match letters in any case.")


class ReplaceText(ChainNode[ReplaceTextConfig]):
    name = "replace_text"
    title = "Replace text"
    description = "Replace every occurrence of a literal string (no regex syntax)."
    tags = ("replace",)
    Config = ReplaceTextConfig

    def process(self, input_text: str, config: ReplaceTextConfig) -> str:
        if not config.ignore_case:
            return input_text.replace(config.find, config.replacement, config.count or -1)
        finder = re.compile(re.escape(config.find), re.IGNORECASE)
        return finder.sub(lambda _: config.replacement, input_text, count=config.count)


class WrapConfig(NodeConfig):
    prefix: str = Field(default="", max_length=MAX_LITERAL_CHARS, description="Put before.")
    suffix: str = Field(default="", max_length=MAX_LITERAL_CHARS, description="Put after.")
    per_line: bool = Field(
        default=False, description="Wrap every line instead of the text as a whole."
    )


class Wrap(ChainNode[WrapConfig]):
    name = "wrap"
    title = "Prefix / suffix"
    description = "Add a prefix and/or a suffix to the text, or to every line of it."
    tags = ("compose",)
    Config = WrapConfig

    def process(self, input_text: str, config: WrapConfig) -> str:
        if not config.per_line:
            return f"{config.prefix}{input_text}{config.suffix}"
        pieces: list[str] = []
        for line in input_text.splitlines(keepends=True):
            body = line.splitlines()[0]
            pieces.append(f"{config.prefix}{body}{config.suffix}{line[len(body) :]}")
        return "".join(pieces)
