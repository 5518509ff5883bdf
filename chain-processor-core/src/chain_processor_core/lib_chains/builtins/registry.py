"""The registry of builtin nodes, and the node code stored for each in the database.

A builtin node is stored like any other node, as code, so the executor runs every node the
same way. The stored code (:func:`builtin_source`) only delegates to :func:`run_builtin`, so
the real implementation stays here, typed and tested.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from chain_processor_core.exceptions.errors import NodeNotFoundError
from chain_processor_core.lib_chains.base import ChainNode
from chain_processor_core.lib_chains.builtins.case import Lowercase, Slugify, Titlecase, Uppercase
from chain_processor_core.lib_chains.builtins.length import Truncate, WordCount
from chain_processor_core.lib_chains.builtins.lines import DedupeLines, Lines
from chain_processor_core.lib_chains.builtins.markup import StripHtml
from chain_processor_core.lib_chains.builtins.redact import Redact
from chain_processor_core.lib_chains.builtins.regex import RegexExtract, RegexReplace
from chain_processor_core.lib_chains.builtins.structured import JsonExtract, JsonFormat
from chain_processor_core.lib_chains.builtins.template import Template
from chain_processor_core.lib_chains.builtins.text import ReplaceText, Wrap
from chain_processor_core.lib_chains.builtins.whitespace import CollapseWhitespace, Trim

_NODES: tuple[type[ChainNode[Any]], ...] = (
    Uppercase,
    Lowercase,
    Titlecase,
    Slugify,
    Trim,
    CollapseWhitespace,
    ReplaceText,
    RegexReplace,
    RegexExtract,
    Truncate,
    WordCount,
    Template,
    Wrap,
    Lines,
    DedupeLines,
    JsonExtract,
    JsonFormat,
    StripHtml,
    Redact,
)

BUILTIN_NODES: Mapping[str, type[ChainNode[Any]]] = MappingProxyType(
    {node.name: node for node in _NODES}
)
"""Every builtin node class by its name, in catalogue order."""

_SOURCE = """\
from chain_processor_core.lib_chains.builtins import run_builtin


def node(input_text: str, config: dict | None = None) -> str:
    return run_builtin("{name}", input_text, config)
"""


def get_builtin(name: str) -> type[ChainNode[Any]]:
    """The builtin node class called ``name``."""
    try:
        return BUILTIN_NODES[name]
    except KeyError:
        raise NodeNotFoundError(f"There is no builtin node called {name!r}") from None


def run_builtin(name: str, input_text: str, config: Mapping[str, object] | None) -> str:
    """Run the builtin node ``name`` under the node contract."""
    return get_builtin(name)().run(input_text, config)


def builtin_source(name: str) -> str:
    """The node code stored in the database for the builtin node ``name``."""
    return _SOURCE.replace("{name}", get_builtin(name).name)
