"""Line nodes: lines, dedupe_lines."""

from __future__ import annotations

import pytest

from chain_processor_core.exceptions.errors import InvalidConfigError, InvalidInputError
from chain_processor_core.lib_chains.builtins import run_builtin


class TestLines:
    def test_defaults_normalise_line_breaks_only(self) -> None:
        assert run_builtin("lines", "b\r\na\rc", None) == "b\na\nc"

    def test_keeps_a_final_line_break(self) -> None:
        assert run_builtin("lines", "b\na\n", {"sort": True}) == "a\nb\n"
        assert run_builtin("lines", "b\na\r\n", {"sort": True}) == "a\nb\n"

    def test_sort(self) -> None:
        assert run_builtin("lines", "b\nB\na\nA", {"sort": True}) == "A\nB\na\nb"

    def test_sort_ignoring_case_is_stable(self) -> None:
        config = {"sort": True, "ignore_case": True}
        assert run_builtin("lines", "b\nB\na\nA", config) == "a\nA\nb\nB"

    def test_reverse(self) -> None:
        assert run_builtin("lines", "1\n2\n3", {"reverse": True}) == "3\n2\n1"

    def test_sort_descending(self) -> None:
        config = {"sort": True, "reverse": True}
        assert run_builtin("lines", "b\nc\na", config) == "c\nb\na"

    def test_skip_empty(self) -> None:
        assert run_builtin("lines", "a\n\n  \nb", {"skip_empty": True}) == "a\nb"

    def test_skip_empty_can_leave_nothing(self) -> None:
        assert run_builtin("lines", "\n \n", {"skip_empty": True}) == ""

    def test_number(self) -> None:
        assert run_builtin("lines", "a\nb", {"number": True}) == "1. a\n2. b"

    def test_number_start_after_the_rest(self) -> None:
        config = {"number": True, "number_start": 0, "sort": True, "skip_empty": True}
        assert run_builtin("lines", "b\n\na\n", config) == "0. a\n1. b\n"

    def test_refuses_empty_input(self) -> None:
        with pytest.raises(InvalidInputError):
            run_builtin("lines", "", None)

    def test_bad_config(self) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("lines", "x", {"number_start": -1})
        assert caught.value.field == "number_start"


class TestDedupeLines:
    def test_keeps_first_occurrences_in_order(self) -> None:
        assert run_builtin("dedupe_lines", "b\na\nb\nc\na", None) == "b\na\nc"

    def test_case_sensitive_by_default(self) -> None:
        assert run_builtin("dedupe_lines", "a\nA", None) == "a\nA"

    def test_ignore_case(self) -> None:
        config = {"ignore_case": True}
        assert run_builtin("dedupe_lines", "Straße\nSTRASSE\na", config) == "Straße\na"

    def test_ignore_whitespace(self) -> None:
        config = {"ignore_whitespace": True}
        assert run_builtin("dedupe_lines", "a\n  a \nb", config) == "a\nb"
        assert run_builtin("dedupe_lines", "a\n  a \nb", None) == "a\n  a \nb"

    def test_blank_lines_are_deduplicated_by_default(self) -> None:
        assert run_builtin("dedupe_lines", "a\n\nb\n\nc\n", None) == "a\n\nb\nc\n"

    def test_keep_blank_lines(self) -> None:
        config = {"keep_blank_lines": True}
        assert run_builtin("dedupe_lines", "a\n\na\n\nc", config) == "a\n\n\nc"

    def test_bad_config(self) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("dedupe_lines", "x", {"ignore_case": "maybe"})
        assert caught.value.field == "ignore_case"
