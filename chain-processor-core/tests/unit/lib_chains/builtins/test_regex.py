"""Regex nodes: regex_replace, regex_extract, and the pattern guard."""

from __future__ import annotations

import pytest

from chain_processor_core.exceptions.errors import InvalidConfigError, InvalidInputError
from chain_processor_core.lib_chains.builtins import run_builtin
from chain_processor_core.lib_chains.builtins.regex import MAX_PATTERN_CHARS


class TestRegexReplace:
    def test_replaces_every_match(self) -> None:
        config = {"pattern": r"\d+", "replacement": "#"}
        assert run_builtin("regex_replace", "a1 b22 c333", config) == "a# b# c#"

    def test_group_references(self) -> None:
        config = {"pattern": r"(\w+)@(?P<host>\w+)", "replacement": r"\g<host>:\1"}
        assert run_builtin("regex_replace", "me@home", config) == "home:me"

    def test_count(self) -> None:
        config = {"pattern": "a", "replacement": "b", "count": 1}
        assert run_builtin("regex_replace", "aaa", config) == "baa"

    def test_ignore_case(self) -> None:
        config = {"pattern": "cat", "replacement": "dog", "ignore_case": True}
        assert run_builtin("regex_replace", "Cat CAT", config) == "dog dog"

    def test_multiline(self) -> None:
        config = {"pattern": "^", "replacement": "- ", "multiline": True}
        assert run_builtin("regex_replace", "a\nb", config) == "- a\n- b"
        config["multiline"] = False
        assert run_builtin("regex_replace", "a\nb", config) == "- a\nb"

    def test_dotall(self) -> None:
        config = {"pattern": "a.b", "replacement": "X", "dotall": True}
        assert run_builtin("regex_replace", "a\nb", config) == "X"
        config["dotall"] = False
        assert run_builtin("regex_replace", "a\nb", config) == "a\nb"

    def test_default_replacement_deletes(self) -> None:
        assert run_builtin("regex_replace", "a1b2", {"pattern": r"\d"}) == "ab"

    def test_bad_group_reference_is_a_config_error(self) -> None:
        config = {"pattern": "(a)", "replacement": r"\2"}
        with pytest.raises(InvalidConfigError, match="Invalid replacement") as caught:
            run_builtin("regex_replace", "a", config)
        assert caught.value.field == "replacement"

    def test_refuses_empty_input(self) -> None:
        with pytest.raises(InvalidInputError):
            run_builtin("regex_replace", "", {"pattern": "a"})

    @pytest.mark.parametrize(
        ("config", "field", "message"),
        [
            ({}, "pattern", "Field required"),
            ({"pattern": ""}, "pattern", "at least 1"),
            ({"pattern": "(unclosed"}, "pattern", "Invalid regular expression"),
            ({"pattern": "a" * (MAX_PATTERN_CHARS + 1)}, "pattern", "at most 500"),
            ({"pattern": "a", "count": -1}, "count", "greater than or equal to 0"),
        ],
    )
    def test_bad_config(self, config: dict[str, object], field: str, message: str) -> None:
        with pytest.raises(InvalidConfigError, match=message) as caught:
            run_builtin("regex_replace", "x", config)
        assert caught.value.field == field


class TestCatastrophicPatterns:
    @pytest.mark.parametrize(
        "pattern", [r"(a+)+$", r"(\w*)*x", r"(?:a|b+)+", r"(x+?)*", r"(a{2,})+", r"(a+){1,}"]
    )
    def test_nested_unbounded_quantifiers_are_refused(self, pattern: str) -> None:
        with pytest.raises(InvalidConfigError, match="exponential") as caught:
            run_builtin("regex_replace", "x", {"pattern": pattern})
        assert caught.value.field == "pattern"

    @pytest.mark.parametrize(
        "pattern",
        [
            r"(ab)+",
            r"(a+b)+",
            r"(a{2})+",
            r"(\+)+",
            r"(a+)",
            r"[(a+)]+",
            r"(?:\w+,)+",
            r"(a+)\{1,\}",
        ],
    )
    def test_ordinary_patterns_are_allowed(self, pattern: str) -> None:
        assert run_builtin("regex_replace", "zzz", {"pattern": pattern}) == "zzz"


class TestRegexExtract:
    def test_every_match_on_its_own_line(self) -> None:
        config = {"pattern": r"\d+"}
        assert run_builtin("regex_extract", "a1 b22 c333", config) == "1\n22\n333"

    def test_numbered_group_and_separator(self) -> None:
        config = {"pattern": r"(\w+)=(\w+)", "group": 2, "separator": ", "}
        assert run_builtin("regex_extract", "a=1 b=2", config) == "1, 2"

    def test_named_group(self) -> None:
        config = {"pattern": r"(?P<key>\w+)=\w+", "group": "key"}
        assert run_builtin("regex_extract", "a=1 b=2", config) == "a\nb"

    def test_groups_that_did_not_take_part_are_skipped(self) -> None:
        config = {"pattern": r"(\d)|[a-z]", "group": 1}
        assert run_builtin("regex_extract", "a1b2", config) == "1\n2"

    def test_unique(self) -> None:
        config = {"pattern": r"\w+", "unique": True}
        assert run_builtin("regex_extract", "a b a c b", config) == "a\nb\nc"

    def test_flags(self) -> None:
        config = {"pattern": "^x.", "ignore_case": True, "multiline": True, "dotall": True}
        assert run_builtin("regex_extract", "X\nx1", config) == "X\n\nx1"

    def test_no_match_is_an_input_error(self) -> None:
        with pytest.raises(InvalidInputError, match="matches nothing"):
            run_builtin("regex_extract", "abc", {"pattern": r"\d"})

    def test_no_match_with_default(self) -> None:
        config = {"pattern": r"\d", "default": "none"}
        assert run_builtin("regex_extract", "abc", config) == "none"

    @pytest.mark.parametrize(
        ("config", "field"),
        [
            ({"pattern": "(a)", "group": 2}, "group"),
            ({"pattern": "(a)", "group": -1}, "group"),
            ({"pattern": "(a)", "group": "name"}, "group"),
            ({"pattern": "[z-a]"}, "pattern"),
        ],
    )
    def test_bad_config(self, config: dict[str, object], field: str) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("regex_extract", "x", config)
        assert caught.value.field == field
