"""Markup: HTML to plain text.

The tokenizer is one regular expression over the standard library's :mod:`re`, written to run
in linear time, with entities decoded by :func:`html.unescape`. :class:`html.parser.HTMLParser`
was the first choice, but on unterminated constructs (``<a b='`` or ``<!--`` repeated) it
rescans the rest of the input from every ``<``: 100 KB of such input took 40 seconds on
Python 3.11. Like a browser, this tokenizer lets an unterminated tag, comment or script run to
the end of the input instead, so every character is read a bounded number of times.
"""

from __future__ import annotations

import html
import re

from pydantic import Field

from chain_processor_core.lib_chains.base import ChainNode, NodeConfig

_TAG_REST = r"""(?>[^>"']+|"[^"]*(?:"|\Z)|'[^']*(?:'|\Z))*+(?:>|\Z)"""
_MARKUP = re.compile(
    rf"""
      <!--.*?(?:-->|\Z)                                        # comment
    | <[!?][^>]*+(?:>|\Z)                                       # doctype, <?...>, <![CDATA[
    | <(?P<raw>script|style|title)\b{_TAG_REST}.*?(?:</(?P=raw)\s*>|\Z)  # hidden raw text
    | </(?P<end>[A-Za-z][^\s/>]*+){_TAG_REST}                   # end tag
    | <(?P<start>[A-Za-z][^\s/>]*+){_TAG_REST}                  # start tag
    """,
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)
_HIDDEN = "template"
"""An element whose content is markup but not shown; it may nest."""
_BLOCKS = frozenset(
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th "
    "thead tr ul".split()
)
"""Elements that start a new line when rendered."""


class StripHtmlConfig(NodeConfig):
    line_breaks: bool = Field(
        default=True,
        description="Start a new line at paragraphs, list items, <br> etc.; "
        "off puts a space there instead.",
    )
    collapse_whitespace: bool = Field(
        default=True,
        description="Collapse runs of whitespace as a browser does and drop blank lines.",
    )


class StripHtml(ChainNode[StripHtmlConfig]):
    name = "strip_html"
    title = "Strip HTML"
    description = (
        "Remove HTML tags, comments and script/style contents, and decode entities such as &amp;."
    )
    tags = ("html", "cleanup")
    Config = StripHtmlConfig

    def process(self, input_text: str, config: StripHtmlConfig) -> str:
        pieces: list[str] = []
        hidden_depth = 0
        position = 0
        for markup in _MARKUP.finditer(input_text):
            if not hidden_depth:
                pieces.append(self._text(input_text[position : markup.start()], config))
            position = markup.end()
            tag = (markup["start"] or markup["end"] or "").lower()
            if tag == _HIDDEN:
                hidden_depth = hidden_depth + 1 if markup["start"] else max(hidden_depth - 1, 0)
            elif tag in _BLOCKS and not hidden_depth:
                pieces.append("\n" if config.line_breaks else " ")
        if not hidden_depth:
            pieces.append(self._text(input_text[position:], config))
        text = "".join(pieces)
        if not config.collapse_whitespace:
            return text
        lines = (" ".join(line.split()) for line in text.split("\n"))
        return "\n".join(line for line in lines if line)

    @staticmethod
    def _text(raw: str, config: StripHtmlConfig) -> str:
        text = html.unescape(raw)
        return re.sub(r"\s+", " ", text) if config.collapse_whitespace else text
