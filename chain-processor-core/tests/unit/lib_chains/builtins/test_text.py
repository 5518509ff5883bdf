"""Literal text nodes: replace_text, wrap."""

from __future__ import annotations

import pytest

from chain_processor_core.exceptions.errors import InvalidConfigError, InvalidInputError
from chain_processor_core.lib_chains.builtins import run_builtin


class TestReplaceText:
    def test_replaces_every_occurrence(self) -> None:
        config = {"find": "cat", "replacement": "dog"}
        assert run_builtin("replace_text", "cat, Cat, cat", config) == "dog, Cat, dog"

    def test_no_regex_syntax(self) -> None:
        config = {"find": "a.b", "replacement": r"\1$"}
        assert run_builtin("replace_text", "a.b axb", config) == r"\1$ axb"

    def test_count(self) -> None:
        config = {"find": "a", "replacement": "b", "count": 2}
        assert run_builtin("replace_text", "aaaa", config) == "bbaa"

    def test_ignore_case(self) -> None:
        config = {"find": "cat", "replacement": r"d\og", "ignore_case": True}
        assert run_builtin("replace_text", "Cat CAT cat", config) == r"d\og d\og d\og"

    def test_ignore_case_with_count(self) -> None:
        config = {"find": "(x)", "replacement": "y", "ignore_case": True, "count": 1}
        assert run_builtin("replace_text", "(X)(x)", config) == "y(x)"

    def test_default_replacement_deletes(self) -> None:
        assert run_builtin("replace_text", "a-b-c", {"find": "-"}) == "abc"

    def test_refuses_empty_input(self) -> None:
        with pytest.raises(InvalidInputError):
            run_builtin("replace_text", "", {"find": "a"})

    @pytest.mark.parametrize(
        ("config", "field"),
        [
            ({}, "find"),
            ({"find": ""}, "find"),
            ({"find": "a", "count": -1}, "count"),
            ({"find": "a", "replacement": None}, "replacement"),
        ],
    )
    def test_bad_config(self, config: dict[str, object], field: str) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("replace_text", "x", config)
        assert caught.value.field == field


class TestWrap:
    def test_prefix_and_suffix(self) -> None:
        assert run_builtin("wrap", "body", {"prefix": "<", "suffix": ">"}) == "<body>"

    def test_defaults_leave_the_text(self) -> None:
        assert run_builtin("wrap", "body", None) == "body"

    def test_per_line_keeps_line_breaks(self) -> None:
        config = {"prefix": "> ", "suffix": ";", "per_line": True}
        assert run_builtin("wrap", "a\r\n\nb\n", config) == "> a;\r\n> ;\n> b;\n"

    def test_bad_config(self) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("wrap", "x", {"prefix": 5})
        assert caught.value.field == "prefix"
