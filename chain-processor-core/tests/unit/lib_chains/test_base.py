"""``ChainNode``: config parsing, error reporting, schema and the contract around process."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field, model_validator

from chain_processor_core.exceptions.errors import (
    InvalidConfigError,
    InvalidInputError,
    NodeExecutionError,
)
from chain_processor_core.lib_chains.base import ChainNode, EmptyConfig, NodeConfig


class Inner(NodeConfig):
    size: int = Field(default=1, ge=1)


class RepeatConfig(NodeConfig):
    times: int = Field(default=2, ge=1, le=10, description="How often.")
    separator: str = ""
    inner: Inner = Inner()

    @model_validator(mode="after")
    def _check(self) -> RepeatConfig:
        if self.separator == "forbidden":
            raise ValueError("The separator may not be 'forbidden'")
        return self


class Repeat(ChainNode[RepeatConfig]):
    name = "repeat"
    title = "Repeat"
    description = "Repeat the text."
    Config = RepeatConfig

    def process(self, input_text: str, config: RepeatConfig) -> str:
        return config.separator.join([input_text] * config.times)


class Broken(ChainNode[EmptyConfig]):
    name = "broken"
    title = "Broken"
    description = "Returns a number."

    def process(self, input_text: str, config: EmptyConfig) -> str:
        result: Any = len(input_text)
        return result  # type: ignore[no-any-return]  # deliberately breaks the contract


class TestParseConfig:
    def test_none_means_defaults(self) -> None:
        assert Repeat.parse_config(None) == RepeatConfig()

    def test_values_are_validated_and_coerced(self) -> None:
        config = Repeat.parse_config({"times": "3", "separator": "-"})
        assert (config.times, config.separator) == (3, "-")

    def test_config_is_frozen(self) -> None:
        config = Repeat.parse_config({})
        with pytest.raises(ValueError, match="frozen"):
            config.times = 5  # type: ignore[misc]  # checking the runtime guard

    @pytest.mark.parametrize("raw", [[1, 2], "times=3", 3])
    def test_refuses_non_objects(self, raw: Any) -> None:
        with pytest.raises(InvalidConfigError, match="must be a JSON object") as caught:
            Repeat.parse_config(raw)
        assert caught.value.field is None

    def test_reports_the_first_field_and_every_message(self) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            Repeat.parse_config({"times": 0, "separator": 5})
        assert caught.value.field == "times"
        assert caught.value.detail == (
            "times: Input should be greater than or equal to 1; "
            "separator: Input should be a valid string"
        )

    def test_nested_field_location(self) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            Repeat.parse_config({"inner": {"size": 0}})
        assert caught.value.field == "inner.size"

    def test_unknown_option(self) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            Repeat.parse_config({"tiems": 3})
        assert caught.value.field == "tiems"
        assert caught.value.detail == "tiems: Unknown option"

    def test_model_level_error_has_no_field(self) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            Repeat.parse_config({"separator": "forbidden"})
        assert caught.value.field is None
        assert caught.value.detail == "The separator may not be 'forbidden'"

    def test_empty_config_refuses_every_option(self) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            Broken.parse_config({"anything": True})
        assert caught.value.field == "anything"


class TestConfigSchema:
    def test_is_the_json_schema_of_the_config(self) -> None:
        schema = Repeat.config_schema()
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False
        assert schema["properties"]["times"]["description"] == "How often."
        assert schema["properties"]["times"]["maximum"] == 10

    def test_default_config_has_no_properties(self) -> None:
        assert Broken.config_schema()["properties"] == {}


class TestRun:
    def test_processes_with_the_parsed_config(self) -> None:
        assert Repeat().run("ab", {"times": 3, "separator": "|"}) == "ab|ab|ab"

    def test_default_config(self) -> None:
        assert Repeat().run("ab") == "abab"

    def test_checks_input_before_config(self) -> None:
        with pytest.raises(InvalidInputError, match="empty"):
            Repeat().run("", {"times": 0})

    def test_refuses_non_string_input(self) -> None:
        with pytest.raises(InvalidInputError, match="must be a string"):
            Repeat().run(42)

    def test_refuses_bad_config(self) -> None:
        with pytest.raises(InvalidConfigError):
            Repeat().run("ab", {"times": 11})

    def test_refuses_non_string_output(self) -> None:
        with pytest.raises(NodeExecutionError, match="Node returned int, expected str"):
            Broken().run("abc")


class TestAbstract:
    def test_process_must_be_implemented(self) -> None:
        class Incomplete(ChainNode[EmptyConfig]):
            name = "incomplete"

        with pytest.raises(TypeError, match="abstract"):
            Incomplete()  # type: ignore[abstract]  # checking the runtime guard

    def test_default_tags_and_config(self) -> None:
        assert Broken.tags == ()
        assert Broken.Config is EmptyConfig
        assert issubclass(EmptyConfig, BaseModel)
