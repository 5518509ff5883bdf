"""Whitespace: trimming the ends and collapsing runs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chain_processor_core.lib_chains.base import ChainNode, NodeConfig


class TrimConfig(NodeConfig):
    side: Literal["both", "left", "right"] = Field(
        default="both", description="Which end(s) of the text to trim."
    )
    chars: str | None = Field(
        default=None,
        min_length=1,
        description="The characters to remove; any whitespace when not set.",
    )


class Trim(ChainNode[TrimConfig]):
    name = "trim"
    title = "Trim"
    description = "Remove whitespace (or the given characters) from the start and/or end."
    tags = ("whitespace",)
    Config = TrimConfig

    def process(self, input_text: str, config: TrimConfig) -> str:
        if config.side == "left":
            return input_text.lstrip(config.chars)
        if config.side == "right":
            return input_text.rstrip(config.chars)
        return input_text.strip(config.chars)


class CollapseWhitespaceConfig(NodeConfig):
    keep_newlines: bool = Field(
        default=False,
        description="Keep line breaks: collapse spaces within each line instead of "
        "joining everything into one line.",
    )
    max_blank_lines: int = Field(
        default=1,
        ge=0,
        le=100,
        description="With keep_newlines, the most blank lines kept in a row.",
    )


class CollapseWhitespace(ChainNode[CollapseWhitespaceConfig]):
    name = "collapse_whitespace"
    title = "Collapse whitespace"
    description = (
        "Replace every run of whitespace with one space and trim the ends; "
        "optionally keep line breaks."
    )
    tags = ("whitespace",)
    Config = CollapseWhitespaceConfig

    def process(self, input_text: str, config: CollapseWhitespaceConfig) -> str:
        if not config.keep_newlines:
            return " ".join(input_text.split())
        lines: list[str] = []
        blank_run = 0
        for line in input_text.splitlines():
            collapsed = " ".join(line.split())
            blank_run = blank_run + 1 if not collapsed else 0
            if blank_run <= config.max_blank_lines:
                lines.append(collapsed)
        return "\n".join(lines).strip("\n")
