"""Length nodes: truncate, word_count."""

from __future__ import annotations

import pytest

from chain_processor_core.exceptions.errors import InvalidConfigError, InvalidInputError
from chain_processor_core.lib_chains.builtins import run_builtin


class TestTruncate:
    def test_short_text_is_unchanged(self) -> None:
        assert run_builtin("truncate", "hello", {"max_chars": 5}) == "hello"

    def test_cuts_including_the_ellipsis(self) -> None:
        result = run_builtin("truncate", "hello world", {"max_chars": 8})
        assert result == "hello w…"
        assert len(result) == 8

    def test_custom_ellipsis(self) -> None:
        config = {"max_chars": 8, "ellipsis": "..."}
        assert run_builtin("truncate", "hello world", config) == "hello..."

    def test_no_ellipsis(self) -> None:
        config = {"max_chars": 3, "ellipsis": ""}
        assert run_builtin("truncate", "hello", config) == "hel"

    def test_drops_trailing_space_before_the_ellipsis(self) -> None:
        assert run_builtin("truncate", "hello world", {"max_chars": 7}) == "hello…"

    def test_word_boundary(self) -> None:
        config = {"max_chars": 15, "word_boundary": True}
        assert run_builtin("truncate", "the quick brown fox", config) == "the quick…"

    def test_word_boundary_when_the_cut_falls_on_a_space(self) -> None:
        config = {"max_chars": 10, "word_boundary": True}
        assert run_builtin("truncate", "the quick brown", config) == "the quick…"

    def test_word_boundary_with_other_whitespace(self) -> None:
        config = {"max_chars": 10, "word_boundary": True}
        assert run_builtin("truncate", "one\ntwo\tthree", config) == "one\ntwo…"

    def test_word_boundary_with_one_long_word_cuts_hard(self) -> None:
        config = {"max_chars": 5, "word_boundary": True}
        assert run_builtin("truncate", "abcdefghij", config) == "abcd…"

    def test_refuses_empty_input(self) -> None:
        with pytest.raises(InvalidInputError):
            run_builtin("truncate", "", {"max_chars": 5})

    @pytest.mark.parametrize(
        ("config", "field"),
        [
            ({}, "max_chars"),
            ({"max_chars": 0}, "max_chars"),
            ({"max_chars": "many"}, "max_chars"),
            ({"max_chars": 3, "ellipsis": "..."}, "ellipsis"),
            ({"max_chars": 5, "ellipsis": "." * 101}, "ellipsis"),
        ],
    )
    def test_bad_config(self, config: dict[str, object], field: str) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("truncate", "x", config)
        assert caught.value.field == field


class TestWordCount:
    def test_just_the_number(self) -> None:
        assert run_builtin("word_count", "  one two\nthree\tfour  ", None) == "4"

    def test_whitespace_only_has_no_words(self) -> None:
        assert run_builtin("word_count", " \n ", None) == "0"

    def test_prepend_matches_appendix_b(self) -> None:
        result = run_builtin("word_count", "hello world", {"output": "prepend"})
        assert result == "Word count: 2\n\nhello world"

    def test_bad_config(self) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("word_count", "x", {"output": "append"})
        assert caught.value.field == "output"
