"""Lines: sorting, reversing, numbering and de-duplicating the lines of the text.

Both nodes split on any line break (``\\n``, ``\\r\\n``, ``\\r``, ...), join with ``\\n`` and
keep a final line break if the input had one.
"""

from __future__ import annotations

from pydantic import Field

from chain_processor_core.lib_chains.base import ChainNode, NodeConfig


def _split(text: str) -> tuple[list[str], str]:
    """The lines of non-empty ``text``, and ``"\\n"`` if it ends with a line break."""
    lines = text.splitlines()
    ends_with_break = text.splitlines(keepends=True)[-1] != lines[-1]
    return lines, "\n" if ends_with_break else ""


class LinesConfig(NodeConfig):
    skip_empty: bool = Field(default=False, description="Drop blank lines first.")
    sort: bool = Field(default=False, description="Sort the lines.")
    ignore_case: bool = Field(default=False, description="Sort without regard to case.")
    reverse: bool = Field(
        default=False, description="Reverse the order (after sorting: descending)."
    )
    number: bool = Field(default=False, description='Number the lines: "1. first line".')
    number_start: int = Field(default=1, ge=0, description="The first line's number.")


class Lines(ChainNode[LinesConfig]):
    name = "lines"
    title = "Lines"
    description = "Drop blank lines, sort, reverse and/or number the lines."
    tags = ("lines",)
    Config = LinesConfig

    def process(self, input_text: str, config: LinesConfig) -> str:
        lines, end = _split(input_text)
        if config.skip_empty:
            lines = [line for line in lines if line.strip()]
        if config.sort:
            lines.sort(key=str.casefold if config.ignore_case else None)
        if config.reverse:
            lines.reverse()
        if config.number:
            lines = [f"{n}. {line}" for n, line in enumerate(lines, config.number_start)]
        return "\n".join(lines) + end if lines else ""


class DedupeLinesConfig(NodeConfig):
    ignore_case: bool = Field(default=False, description="Lines differing in case are equal.")
    ignore_whitespace: bool = Field(
        default=False, description="Lines differing in leading/trailing spaces are equal."
    )
    keep_blank_lines: bool = Field(
        default=False, description="Keep every blank line instead of only the first."
    )


class DedupeLines(ChainNode[DedupeLinesConfig]):
    name = "dedupe_lines"
    title = "Remove duplicate lines"
    description = "Keep the first occurrence of every line, in the original order."
    tags = ("lines",)
    Config = DedupeLinesConfig

    def process(self, input_text: str, config: DedupeLinesConfig) -> str:
        lines, end = _split(input_text)
        seen: set[str] = set()
        kept: list[str] = []
        for line in lines:
            key = line.strip() if config.ignore_whitespace else line
            key = key.casefold() if config.ignore_case else key
            if config.keep_blank_lines and not line.strip():
                kept.append(line)
            elif key not in seen:
                seen.add(key)
                kept.append(line)
        return "\n".join(kept) + end
