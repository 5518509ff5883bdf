"""JSON: extracting a value by path, and re-formatting a document."""

from __future__ import annotations

import json
import re

from pydantic import Field, field_validator

from chain_processor_core.exceptions.errors import InvalidInputError
from chain_processor_core.lib_chains.base import ChainNode, NodeConfig

_PATH = re.compile(r"(?:[^.\[\]]+|\[-?\d+\])(?:\.[^.\[\]]+|\[-?\d+\])*")
_SEGMENT = re.compile(r"\[(-?\d+)\]|([^.\[\]]+)")
_INDEX = re.compile(r"-?\d+")
_MISSING = object()


def _load_json(text: str) -> object:
    try:
        return json.loads(text)
    except RecursionError:
        raise InvalidInputError("Input JSON is nested too deeply") from None
    except ValueError as error:
        raise InvalidInputError(f"Input is not valid JSON: {error}") from None


def _segments(path: str) -> list[str]:
    return [index or key for index, key in _SEGMENT.findall(path)]


def _lookup(document: object, segment: str) -> object:
    """``document[segment]`` for an object key or list index, else ``_MISSING``."""
    if isinstance(document, dict):
        return document.get(segment, _MISSING)
    if isinstance(document, list) and _INDEX.fullmatch(segment):
        index = int(segment)
        return document[index] if -len(document) <= index < len(document) else _MISSING
    return _MISSING


class JsonExtractConfig(NodeConfig):
    path: str = Field(
        default="",
        max_length=1000,
        description="Keys and indexes separated by dots, e.g. items.0.name or items[0].name; "
        "empty for the whole document.",
    )
    default: str | None = Field(
        default=None, description="The output when the path is missing; an error when not set."
    )
    pretty: bool = Field(default=False, description="Indent objects and lists in the output.")

    @field_validator("path")
    @classmethod
    def _check_path(cls, path: str) -> str:
        if path and not _PATH.fullmatch(path):
            raise ValueError(f"Invalid path {path!r}: use keys and indexes like items.0.name")
        return path


class JsonExtract(ChainNode[JsonExtractConfig]):
    name = "json_extract"
    title = "JSON extract"
    description = (
        "Parse the text as JSON and output the value at a path: strings as they are, "
        "anything else as JSON."
    )
    tags = ("json", "extract")
    Config = JsonExtractConfig

    def process(self, input_text: str, config: JsonExtractConfig) -> str:
        value = _load_json(input_text)
        walked: list[str] = []
        for segment in _segments(config.path):
            value = _lookup(value, segment)
            walked.append(segment)
            if value is _MISSING:
                if config.default is not None:
                    return config.default
                raise InvalidInputError(
                    f"Path {config.path!r} not found in the input (nothing at {'.'.join(walked)!r})"
                )
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2 if config.pretty else None)


class JsonFormatConfig(NodeConfig):
    indent: int | None = Field(
        default=2, ge=0, le=8, description="Spaces per level; not set for one compact line."
    )
    sort_keys: bool = Field(default=False, description="Sort the keys of every object.")
    ascii_only: bool = Field(default=False, description="Escape every non-ASCII character.")


class JsonFormat(ChainNode[JsonFormatConfig]):
    name = "json_format"
    title = "JSON format"
    description = "Re-format JSON: pretty-print it, or minify it to one line."
    tags = ("json",)
    Config = JsonFormatConfig

    def process(self, input_text: str, config: JsonFormatConfig) -> str:
        return json.dumps(
            _load_json(input_text),
            indent=config.indent,
            separators=(",", ": ") if config.indent is not None else (",", ":"),
            sort_keys=config.sort_keys,
            ensure_ascii=config.ascii_only,
        )
