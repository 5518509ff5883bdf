"""The node contract: input and output checks, and the static check of node code."""

from __future__ import annotations

import pytest

from chain_processor_core.exceptions.errors import (
    InvalidInputError,
    NodeExecutionError,
    NodeLoadError,
)
from chain_processor_core.lib_chains.contract import (
    MAX_CODE_CHARS,
    NodeSignature,
    check_node_code,
    validate_input,
    validate_output,
)


class TestValidateInput:
    def test_returns_the_text(self) -> None:
        assert validate_input("hello") == "hello"

    def test_whitespace_is_text(self) -> None:
        assert validate_input(" ") == " "

    @pytest.mark.parametrize("value", [None, 1, b"bytes", ["a"]])
    def test_refuses_non_strings(self, value: object) -> None:
        with pytest.raises(InvalidInputError, match=r"^Input must be a string$"):
            validate_input(value)

    def test_refuses_empty_text(self) -> None:
        with pytest.raises(InvalidInputError, match=r"^Input cannot be empty$"):
            validate_input("")


class TestValidateOutput:
    def test_returns_a_string(self) -> None:
        assert validate_output("done") == "done"

    def test_empty_string_is_a_string(self) -> None:
        assert validate_output("") == ""

    @pytest.mark.parametrize(
        ("value", "type_name"), [(1, "int"), (None, "NoneType"), (b"x", "bytes")]
    )
    def test_refuses_other_types(self, value: object, type_name: str) -> None:
        with pytest.raises(NodeExecutionError) as caught:
            validate_output(value)
        assert caught.value.detail == f"Node returned {type_name}, expected str"


class TestCheckNodeCodeAccepts:
    def test_one_parameter(self) -> None:
        code = "def node(input_text: str) -> str:\n    return input_text.upper()\n"
        assert check_node_code(code) == NodeSignature(accepts_config=False)

    def test_two_parameters(self) -> None:
        code = "def node(text, config):\n    return text * config['times']\n"
        assert check_node_code(code) == NodeSignature(accepts_config=True)

    def test_defaulted_config(self) -> None:
        code = "def node(text: str, config: dict | None = None) -> str:\n    return text\n"
        assert check_node_code(code).accepts_config is True

    def test_positional_only(self) -> None:
        assert check_node_code("def node(text, /):\n    return text\n").accepts_config is False

    def test_helpers_imports_and_classes_around_it(self) -> None:
        code = (
            "import re\n"
            "from json import dumps as to_json\n"
            "PATTERN = re.compile('a')\n"
            "class Helper:\n"
            "    def node(self, a, b, c):\n"
            "        return a\n"
            "def helper(*args, **kwargs):\n"
            "    yield from args\n"
            "def node(text):\n"
            "    def inner():\n"
            "        yield text\n"
            "    return ''.join(inner())\n"
        )
        assert check_node_code(code).accepts_config is False

    def test_last_definition_wins(self) -> None:
        code = "def node(a, b, c):\n    return a\n\ndef node(text, config):\n    return text\n"
        assert check_node_code(code).accepts_config is True

    def test_code_at_the_size_limit(self) -> None:
        code = "def node(text):\n    return text\n"
        code += "#" * (MAX_CODE_CHARS - len(code))
        assert check_node_code(code).accepts_config is False


class TestCheckNodeCodeRefuses:
    @pytest.mark.parametrize("code", ["", "   \n\t\n"])
    def test_empty_code(self, code: str) -> None:
        with pytest.raises(NodeLoadError, match="empty"):
            check_node_code(code)

    def test_code_over_the_size_limit(self) -> None:
        code = "def node(text):\n    return text\n"
        code += "#" * (MAX_CODE_CHARS - len(code) + 1)
        with pytest.raises(NodeLoadError, match="limit"):
            check_node_code(code)

    def test_syntax_error_names_the_line(self) -> None:
        code = "def node(text):\n    return text\n\nif True\n    pass\n"
        with pytest.raises(NodeLoadError) as caught:
            check_node_code(code)
        assert caught.value.detail.startswith("Syntax error on line 4:")

    def test_null_bytes(self) -> None:
        with pytest.raises(NodeLoadError, match=r"cannot be parsed|Syntax error"):
            check_node_code("def node(text):\n    return text\x00\n")

    def test_absurd_nesting(self) -> None:
        code = "def node(text):\n    return " + "-" * 200_000 + "1\n"
        with pytest.raises(NodeLoadError, match="cannot be parsed: it is nested too deeply"):
            check_node_code(code)

    @pytest.mark.parametrize(
        "code",
        [
            "def transform(text):\n    return text\n",
            "if True:\n    def node(text):\n        return text\n",
            "class Node:\n    def node(self, text):\n        return text\n",
        ],
    )
    def test_missing_top_level_node(self, code: str) -> None:
        with pytest.raises(NodeLoadError, match="must define a top-level function `node`"):
            check_node_code(code)

    def test_async_node(self) -> None:
        with pytest.raises(NodeLoadError, match="async def"):
            check_node_code("async def node(text):\n    return text\n")

    @pytest.mark.parametrize(
        ("code", "line"),
        [
            ("def node(text):\n    return text\nnode = str.upper\n", 3),
            ("def node(text):\n    return text\nnode: object = len\n", 3),
            ("def node(text):\n    return text\nnode, other = len, len\n", 3),
            ("def node(text):\n    return text\nnode += 1\n", 3),
            ("from os.path import basename as node\n", 1),
            ("import node\n", 1),
            ("class node:\n    pass\n", 1),
        ],
    )
    def test_node_bound_some_other_way(self, code: str, line: int) -> None:
        with pytest.raises(NodeLoadError, match=f"line {line} binds it"):
            check_node_code(code)

    def test_decorated_node(self) -> None:
        code = "import functools\n@functools.cache\ndef node(text):\n    return text\n"
        with pytest.raises(NodeLoadError, match="decorated"):
            check_node_code(code)

    @pytest.mark.parametrize(
        "signature", ["text, *args", "*args", "text, **kwargs", "**kwargs", "text, *rest, c"]
    )
    def test_variadic_parameters(self, signature: str) -> None:
        with pytest.raises(NodeLoadError, match=r"\*args or \*\*kwargs"):
            check_node_code(f"def node({signature}):\n    return ''\n")

    def test_keyword_only_parameters(self) -> None:
        with pytest.raises(NodeLoadError, match="keyword-only"):
            check_node_code("def node(text, *, config=None):\n    return text\n")

    @pytest.mark.parametrize(("signature", "count"), [("", 0), ("a, b, c", 3), ("a, /, b, c=1", 3)])
    def test_wrong_number_of_parameters(self, signature: str, count: int) -> None:
        with pytest.raises(NodeLoadError, match=rf"not {count}$"):
            check_node_code(f"def node({signature}):\n    return ''\n")

    @pytest.mark.parametrize("statement", ["yield text", "yield from text", "x = (yield)"])
    def test_generator_node(self, statement: str) -> None:
        code = f"def node(text):\n    if text:\n        {statement}\n    return text\n"
        with pytest.raises(NodeLoadError, match="generator"):
            check_node_code(code)

    def test_never_runs_the_code(self) -> None:
        code = "raise SystemExit(1)\ndef node(text):\n    return text\n"
        assert check_node_code(code).accepts_config is False
