"""JSON nodes: json_extract, json_format."""

from __future__ import annotations

import json

import pytest

from chain_processor_core.exceptions.errors import InvalidConfigError, InvalidInputError
from chain_processor_core.lib_chains.builtins import run_builtin

DOCUMENT = json.dumps(
    {
        "items": [{"name": "Ada", "tags": ["x", "y"]}, {"name": "Grace", "age": 85}],
        "count": 2,
        "ok": True,
        "none": None,
        "0": "zero key",
        "text": "ünïcode",
    }
)


class TestJsonExtract:
    @pytest.mark.parametrize(
        ("path", "expected"),
        [
            ("items.0.name", "Ada"),
            ("items[0].name", "Ada"),
            ("items[1].age", "85"),
            ("items.-1.name", "Grace"),
            ("items[-2].tags", '["x", "y"]'),
            ("items.0.tags.1", "y"),
            ("count", "2"),
            ("ok", "true"),
            ("none", "null"),
            ("0", "zero key"),
            ("text", "ünïcode"),
        ],
    )
    def test_values_by_path(self, path: str, expected: str) -> None:
        assert run_builtin("json_extract", DOCUMENT, {"path": path}) == expected

    def test_empty_path_is_the_whole_document(self) -> None:
        assert run_builtin("json_extract", ' {"a": [1, 2]} ', None) == '{"a": [1, 2]}'

    def test_string_document(self) -> None:
        assert run_builtin("json_extract", '"just text"', None) == "just text"

    def test_pretty(self) -> None:
        result = run_builtin("json_extract", DOCUMENT, {"path": "items.1", "pretty": True})
        assert result == '{\n  "name": "Grace",\n  "age": 85\n}'

    @pytest.mark.parametrize(
        ("path", "nothing_at"),
        [
            ("missing", "missing"),
            ("items.2", "items.2"),
            ("items.-3", "items.-3"),
            ("items.first", "items.first"),
            ("items.0.name.x", "items.0.name.x"),
            ("count.0", "count.0"),
        ],
    )
    def test_missing_path_is_an_input_error(self, path: str, nothing_at: str) -> None:
        with pytest.raises(InvalidInputError) as caught:
            run_builtin("json_extract", DOCUMENT, {"path": path})
        assert caught.value.detail.endswith(f"(nothing at {nothing_at!r})")

    def test_missing_path_with_default(self) -> None:
        config = {"path": "items.5.name", "default": "unknown"}
        assert run_builtin("json_extract", DOCUMENT, config) == "unknown"

    @pytest.mark.parametrize("text", ["not json", "{'a': 1}", "[1, 2", "1" * 5000])
    def test_invalid_json_is_an_input_error(self, text: str) -> None:
        with pytest.raises(InvalidInputError, match="not valid JSON"):
            run_builtin("json_extract", text, None)

    def test_absurd_nesting_is_an_input_error(self) -> None:
        with pytest.raises(InvalidInputError, match="nested too deeply"):
            run_builtin("json_extract", "[" * 100_000 + "]" * 100_000, None)

    def test_refuses_empty_input(self) -> None:
        with pytest.raises(InvalidInputError, match="empty"):
            run_builtin("json_extract", "", None)

    @pytest.mark.parametrize("path", ["a..b", ".a", "a.", "a[x]", "a[0", "[0]]"])
    def test_invalid_path_is_a_config_error(self, path: str) -> None:
        with pytest.raises(InvalidConfigError, match="Invalid path") as caught:
            run_builtin("json_extract", DOCUMENT, {"path": path})
        assert caught.value.field == "path"

    def test_default_must_be_text(self) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("json_extract", DOCUMENT, {"default": 0})
        assert caught.value.field == "default"


class TestJsonFormat:
    def test_pretty_prints_by_default(self) -> None:
        result = run_builtin("json_format", '{"b":1,"a":[1,2]}', None)
        assert result == '{\n  "b": 1,\n  "a": [\n    1,\n    2\n  ]\n}'

    def test_compact(self) -> None:
        result = run_builtin("json_format", '{ "b" : 1, "a" : [1, 2] }', {"indent": None})
        assert result == '{"b":1,"a":[1,2]}'

    def test_sort_keys(self) -> None:
        config = {"indent": None, "sort_keys": True}
        assert run_builtin("json_format", '{"b":1,"a":2}', config) == '{"a":2,"b":1}'

    def test_ascii_only(self) -> None:
        assert run_builtin("json_format", '"é"', None) == '"é"'
        assert run_builtin("json_format", '"é"', {"ascii_only": True}) == '"\\u00e9"'

    def test_invalid_json(self) -> None:
        with pytest.raises(InvalidInputError, match="not valid JSON"):
            run_builtin("json_format", "{", None)

    def test_bad_config(self) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("json_format", "{}", {"indent": 9})
        assert caught.value.field == "indent"
