"""Case nodes: uppercase, lowercase, titlecase, slugify."""

from __future__ import annotations

import pytest

from chain_processor_core.exceptions.errors import InvalidConfigError, InvalidInputError
from chain_processor_core.lib_chains.builtins import run_builtin


class TestUppercase:
    def test_uppercases_unicode(self) -> None:
        assert run_builtin("uppercase", "Hello, wörld ß", None) == "HELLO, WÖRLD SS"

    def test_takes_no_options(self) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("uppercase", "x", {"locale": "tr"})
        assert caught.value.field == "locale"


class TestLowercase:
    def test_lowercases(self) -> None:
        assert run_builtin("lowercase", "HeLLo ÄÖ", {}) == "hello äö"

    def test_refuses_empty_input(self) -> None:
        with pytest.raises(InvalidInputError):
            run_builtin("lowercase", "", None)


class TestTitlecase:
    def test_capitalises_every_word_keeping_apostrophes(self) -> None:
        text = "they're the LORD of the rings, vol. 3rd-edition"
        assert run_builtin("titlecase", text, None) == (
            "They're The Lord Of The Rings, Vol. 3rd-Edition"
        )

    def test_keeps_spacing_and_punctuation(self) -> None:
        assert run_builtin("titlecase", "  a\tb\n\nc!  ", None) == "  A\tB\n\nC!  "

    def test_lower_rest_off_keeps_acronyms(self) -> None:
        result = run_builtin("titlecase", "the NASA mission", {"lower_rest": False})
        assert result == "The NASA Mission"

    def test_small_words_stay_lower_except_at_the_ends(self) -> None:
        config = {"small_words": True}
        assert run_builtin("titlecase", "the lord of the rings", config) == (
            "The Lord of the Rings"
        )
        assert run_builtin("titlecase", "what it is made of", config) == "What It Is Made Of"

    def test_text_without_words(self) -> None:
        assert run_builtin("titlecase", "123 -- !!", None) == "123 -- !!"

    def test_bad_option_type(self) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("titlecase", "x", {"small_words": "sometimes"})
        assert caught.value.field == "small_words"


class TestSlugify:
    def test_makes_a_slug(self) -> None:
        assert run_builtin("slugify", "  Hello, World! Crème brûlée  ", None) == (
            "hello-world-creme-brulee"
        )

    def test_underscore_separator(self) -> None:
        assert run_builtin("slugify", "Hello big_world", {"separator": "_"}) == ("hello_big_world")

    def test_keep_case(self) -> None:
        assert run_builtin("slugify", "Hello World", {"lowercase": False}) == "Hello-World"

    def test_unicode_slugs(self) -> None:
        result = run_builtin("slugify", "Straße 東京 ﬁle", {"ascii_only": False})
        assert result == "straße-東京-file"

    def test_max_length_does_not_end_on_a_separator(self) -> None:
        assert run_builtin("slugify", "hello world again", {"max_length": 6}) == "hello"
        assert run_builtin("slugify", "hello world again", {"max_length": 8}) == "hello-wo"

    def test_nothing_to_slug(self) -> None:
        with pytest.raises(InvalidInputError, match="no letters or digits"):
            run_builtin("slugify", "東京 !!!", None)

    @pytest.mark.parametrize(
        ("config", "field"),
        [({"separator": "."}, "separator"), ({"max_length": 0}, "max_length")],
    )
    def test_bad_config(self, config: dict[str, object], field: str) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("slugify", "x", config)
        assert caught.value.field == field
