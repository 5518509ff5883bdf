"""Whitespace nodes: trim, collapse_whitespace."""

from __future__ import annotations

import pytest

from chain_processor_core.exceptions.errors import InvalidConfigError, InvalidInputError
from chain_processor_core.lib_chains.builtins import run_builtin


class TestTrim:
    def test_trims_both_ends_by_default(self) -> None:
        assert run_builtin("trim", " \t hello world \n", None) == "hello world"

    def test_left(self) -> None:
        assert run_builtin("trim", "  hi  ", {"side": "left"}) == "hi  "

    def test_right(self) -> None:
        assert run_builtin("trim", "  hi  ", {"side": "right"}) == "  hi"

    def test_chars(self) -> None:
        assert run_builtin("trim", "--==hi==--", {"chars": "-="}) == "hi"
        assert run_builtin("trim", "xxhixx", {"chars": "x", "side": "right"}) == "xxhi"

    def test_all_whitespace_becomes_empty(self) -> None:
        assert run_builtin("trim", "   ", None) == ""

    def test_refuses_empty_input(self) -> None:
        with pytest.raises(InvalidInputError):
            run_builtin("trim", "", None)

    @pytest.mark.parametrize(
        ("config", "field"), [({"side": "middle"}, "side"), ({"chars": ""}, "chars")]
    )
    def test_bad_config(self, config: dict[str, object], field: str) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("trim", "x", config)
        assert caught.value.field == field


class TestCollapseWhitespace:
    def test_one_line(self) -> None:
        text = "  hello \t\n  big\u00a0 world \n"
        assert run_builtin("collapse_whitespace", text, None) == "hello big world"

    def test_keep_newlines(self) -> None:
        text = "\n\n  a   b  \n\n\n\n c\t\td \n\n"
        result = run_builtin("collapse_whitespace", text, {"keep_newlines": True})
        assert result == "a b\n\nc d"

    def test_max_blank_lines(self) -> None:
        text = "a\n\n\n\nb\n\nc\nd"
        config = {"keep_newlines": True, "max_blank_lines": 0}
        assert run_builtin("collapse_whitespace", text, config) == "a\nb\nc\nd"
        config = {"keep_newlines": True, "max_blank_lines": 2}
        assert run_builtin("collapse_whitespace", text, config) == "a\n\n\nb\n\nc\nd"

    def test_windows_line_breaks(self) -> None:
        result = run_builtin("collapse_whitespace", "a  b\r\nc", {"keep_newlines": True})
        assert result == "a b\nc"

    def test_bad_config(self) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("collapse_whitespace", "x", {"max_blank_lines": -1})
        assert caught.value.field == "max_blank_lines"
