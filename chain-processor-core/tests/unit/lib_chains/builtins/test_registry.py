"""The builtin registry, the stored source of builtins, and the contract for every node."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chain_processor_core.exceptions.errors import (
    InvalidConfigError,
    InvalidInputError,
    NodeExecutionError,
    NodeNotFoundError,
)
from chain_processor_core.lib_chains.base import ChainNode
from chain_processor_core.lib_chains.builtins import (
    BUILTIN_NODES,
    builtin_source,
    get_builtin,
    run_builtin,
)
from chain_processor_core.lib_chains.contract import check_node_code

SAMPLES: dict[str, tuple[dict[str, Any] | None, str, str]] = {
    "uppercase": (None, "Hello", "HELLO"),
    "lowercase": (None, "Hello", "hello"),
    "titlecase": (None, "hello world", "Hello World"),
    "slugify": (None, "Hello World", "hello-world"),
    "trim": (None, "  hi  ", "hi"),
    "collapse_whitespace": (None, "a   b", "a b"),
    "replace_text": ({"find": "a", "replacement": "b"}, "aa", "bb"),
    "regex_replace": ({"pattern": "a+", "replacement": "b"}, "aaca", "bcb"),
    "regex_extract": ({"pattern": r"\d"}, "a1b2", "1\n2"),
    "truncate": ({"max_chars": 3, "ellipsis": ""}, "hello", "hel"),
    "word_count": (None, "a b c", "3"),
    "template": ({"template": "<{text}>"}, "x", "<x>"),
    "wrap": ({"prefix": "[", "suffix": "]"}, "x", "[x]"),
    "lines": ({"sort": True}, "b\na", "a\nb"),
    "dedupe_lines": (None, "a\na", "a"),
    "json_extract": ({"path": "a"}, '{"a": "b"}', "b"),
    "json_format": ({"indent": None}, '{ "a" : 1 }', '{"a":1}'),
    "strip_html": (None, "<b>x</b>", "x"),
    "redact": (None, "mail a@b.io", "mail [REDACTED]"),
}
NAMES = sorted(BUILTIN_NODES)


class TestRegistry:
    def test_at_least_fourteen_nodes_all_sampled(self) -> None:
        assert len(BUILTIN_NODES) >= 14
        assert set(SAMPLES) == set(BUILTIN_NODES)

    @pytest.mark.parametrize("name", NAMES)
    def test_each_node_describes_itself(self, name: str) -> None:
        node = BUILTIN_NODES[name]
        assert node.name == name
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name)
        assert node.title and node.description and node.tags
        schema = node.config_schema()
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False

    def test_registry_is_read_only(self) -> None:
        with pytest.raises(TypeError):
            BUILTIN_NODES["new"] = BUILTIN_NODES["uppercase"]  # type: ignore[index]

    def test_get_builtin(self) -> None:
        assert get_builtin("uppercase").name == "uppercase"
        assert issubclass(get_builtin("redact"), ChainNode)

    def test_unknown_builtin(self) -> None:
        with pytest.raises(NodeNotFoundError, match="no builtin node called 'nope'"):
            get_builtin("nope")
        with pytest.raises(NodeNotFoundError):
            run_builtin("nope", "x", None)
        with pytest.raises(NodeNotFoundError):
            builtin_source("nope")


class TestEveryNode:
    @pytest.mark.parametrize("name", NAMES)
    def test_sample(self, name: str) -> None:
        config, text, expected = SAMPLES[name]
        assert run_builtin(name, text, config) == expected

    @pytest.mark.parametrize("name", NAMES)
    def test_refuses_empty_input(self, name: str) -> None:
        with pytest.raises(InvalidInputError, match=r"^Input cannot be empty$"):
            run_builtin(name, "", SAMPLES[name][0])

    @pytest.mark.parametrize("name", NAMES)
    def test_refuses_non_string_input(self, name: str) -> None:
        with pytest.raises(InvalidInputError, match=r"^Input must be a string$"):
            run_builtin(name, 42, SAMPLES[name][0])  # type: ignore[arg-type]

    @pytest.mark.parametrize("name", NAMES)
    def test_refuses_unknown_options(self, name: str) -> None:
        config = {**(SAMPLES[name][0] or {}), "no_such_option": 1}
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin(name, SAMPLES[name][1], config)
        assert caught.value.field == "no_such_option"

    @pytest.mark.parametrize("name", NAMES)
    def test_refuses_config_that_is_not_an_object(self, name: str) -> None:
        with pytest.raises(InvalidConfigError, match="JSON object"):
            run_builtin(name, SAMPLES[name][1], ["not", "an", "object"])  # type: ignore[arg-type]

    @pytest.mark.parametrize("name", NAMES)
    def test_a_non_string_result_breaks_the_contract(self, name: str) -> None:
        broken = type("Broken", (BUILTIN_NODES[name],), {"process": lambda *_: 1})
        config, text, _ = SAMPLES[name]
        with pytest.raises(NodeExecutionError, match="Node returned int, expected str"):
            broken().run(text, config)


class TestBuiltinSource:
    def test_exact_shape(self) -> None:
        assert builtin_source("uppercase") == (
            "from chain_processor_core.lib_chains.builtins import run_builtin\n"
            "\n"
            "\n"
            "def node(input_text: str, config: dict | None = None) -> str:\n"
            '    return run_builtin("uppercase", input_text, config)\n'
        )

    @pytest.mark.parametrize("name", NAMES)
    def test_satisfies_the_contract(self, name: str) -> None:
        assert check_node_code(builtin_source(name)).accepts_config is True

    @pytest.mark.parametrize("name", NAMES)
    def test_runs_the_builtin(self, name: str) -> None:
        namespace: dict[str, Any] = {}
        exec(compile(builtin_source(name), f"<builtin {name}>", "exec"), namespace)
        config, text, expected = SAMPLES[name]
        assert namespace["node"](text, config) == expected
        if config is None:
            assert namespace["node"](text) == expected
