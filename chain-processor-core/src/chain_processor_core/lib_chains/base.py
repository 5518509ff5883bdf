"""``ChainNode``: the base class of the builtin nodes, each with a typed configuration.

A builtin node names itself (``name``, ``title``, ``description``, ``tags``), declares its
configuration as a pydantic model (``Config``) and implements :meth:`ChainNode.process`.
:meth:`ChainNode.run` wraps ``process`` in the node contract: the input is checked, the raw
JSON configuration is validated into ``Config``, and the output is checked.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar, cast

import pydantic
from pydantic import BaseModel, ConfigDict
from pydantic_core import ErrorDetails

from chain_processor_core.exceptions.errors import InvalidConfigError
from chain_processor_core.lib_chains.contract import validate_input, validate_output


class NodeConfig(BaseModel):
    """Base of every builtin node's configuration: unknown keys are refused, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class EmptyConfig(NodeConfig):
    """The configuration of a node that takes none."""


ConfigT = TypeVar("ConfigT", bound=BaseModel)


class ChainNode(ABC, Generic[ConfigT]):
    """A builtin node: a pure text transformation with a typed configuration."""

    name: ClassVar[str]
    """The slug the node is known by, e.g. ``"uppercase"``."""
    title: ClassVar[str]
    """A short human name, e.g. ``"Uppercase"``."""
    description: ClassVar[str]
    """One or two sentences on what the node does."""
    tags: ClassVar[tuple[str, ...]] = ()
    Config: ClassVar[type[BaseModel]] = EmptyConfig
    """The configuration model; its JSON schema drives the web UI's form."""

    @abstractmethod
    def process(self, input_text: str, config: ConfigT) -> str:
        """Transform ``input_text``; the input and config are already validated."""

    @classmethod
    def parse_config(cls, raw: Mapping[str, object] | None) -> ConfigT:
        """Validate a raw JSON configuration; ``None`` means the defaults."""
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            raise InvalidConfigError(f"Config must be a JSON object, not {type(raw).__name__}")
        try:
            return cast(ConfigT, cls.Config.model_validate(dict(raw)))
        except pydantic.ValidationError as error:
            errors = error.errors(include_url=False, include_input=False)
            raise InvalidConfigError(
                "; ".join(_describe(detail) for detail in errors),
                field=_location(errors[0]) or None,
            ) from None

    @classmethod
    def config_schema(cls) -> dict[str, Any]:
        """The JSON schema of the configuration, for the web UI's form."""
        return cls.Config.model_json_schema()

    def run(self, input_text: object, raw_config: Mapping[str, object] | None = None) -> str:
        """Check the input, validate the configuration, process, check the output."""
        text = validate_input(input_text)
        config = self.parse_config(raw_config)
        return validate_output(self.process(text, config))


def _location(detail: ErrorDetails) -> str:
    return ".".join(str(part) for part in detail["loc"])


def _describe(detail: ErrorDetails) -> str:
    if detail["type"] == "extra_forbidden":
        message = "Unknown option"
    else:
        message = detail["msg"].removeprefix("Value error, ")
    location = _location(detail)
    return f"{location}: {message}" if location else message
