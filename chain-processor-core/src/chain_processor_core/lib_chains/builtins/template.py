"""Templates: put the text into a fixed surrounding text at ``{text}``.

The template language is deliberately tiny and parsed strictly, never with ``str.format``:
``{text}`` is the input, ``{{`` and ``}}`` are literal braces, and anything else in braces
(``{name}``, ``{0}``, ``{text.__class__}``, ``{text!r}``) is refused. So a template cannot
reach attributes, indexes or conversions of the input.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from chain_processor_core.lib_chains.base import ChainNode, NodeConfig

PLACEHOLDER = "text"
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_LITERAL_BRACES = {"{{": "{", "}}": "}"}


class TemplateConfig(NodeConfig):
    template: str = Field(
        min_length=1,
        max_length=10_000,
        description="The output, with {text} where the input goes; {{ and }} for braces.",
        examples=["Summary:\n\n{text}\n"],
    )

    @field_validator("template")
    @classmethod
    def _check_template(cls, template: str) -> str:
        for token in _TOKEN.finditer(template):
            if token[0] in _LITERAL_BRACES:
                continue
            if token[1] is None:
                raise ValueError(
                    f"Unmatched {token[0]!r} at position {token.start()}; "
                    "write {{ or }} for a literal brace"
                )
            if token[1] != PLACEHOLDER:
                raise ValueError(
                    f"Unknown placeholder {token[0]}; only {{{PLACEHOLDER}}} is allowed"
                )
        return template


class Template(ChainNode[TemplateConfig]):
    name = "template"
    title = "Template"
    description = "Insert the text into a template at {text}."
    tags = ("compose",)
    Config = TemplateConfig

    def process(self, input_text: str, config: TemplateConfig) -> str:
        return _TOKEN.sub(lambda token: _LITERAL_BRACES.get(token[0], input_text), config.template)
