"""The strip_html node."""

from __future__ import annotations

import time

import pytest

from chain_processor_core.exceptions.errors import InvalidConfigError, InvalidInputError
from chain_processor_core.lib_chains.builtins import run_builtin

PAGE = """<!DOCTYPE html>
<html>
<head><title>Page title</title><style>p { color: red; }</style></head>
<body>
  <!-- a comment -->
  <h1>Fish &amp; Chips</h1>
  <p>Hello
     <b>big</b>&nbsp;world&#33;</p>
  <script>alert("x < y");</script>
  <ul><li>one</li><li>two</li></ul>
  line<br/>break<br>again
</body>
</html>"""


class TestStripHtml:
    def test_visible_text_one_block_per_line(self) -> None:
        assert run_builtin("strip_html", PAGE, None) == (
            "Fish & Chips\nHello big world!\none\ntwo\nline\nbreak\nagain"
        )

    def test_without_line_breaks(self) -> None:
        result = run_builtin("strip_html", PAGE, {"line_breaks": False})
        assert result == "Fish & Chips Hello big world! one two line break again"

    def test_without_collapsing_whitespace(self) -> None:
        html = "<p>a  <i>b</i></p>\n<p>&lt;c&gt;</p>"
        result = run_builtin("strip_html", html, {"collapse_whitespace": False})
        assert result == "\na  b\n\n\n<c>\n"

    def test_plain_text_passes_through(self) -> None:
        assert run_builtin("strip_html", "no tags, 3 > 2", None) == "no tags, 3 > 2"

    def test_unclosed_script_hides_the_rest(self) -> None:
        assert run_builtin("strip_html", "shown<script>hidden", None) == "shown"

    def test_stray_end_tags_are_ignored(self) -> None:
        assert run_builtin("strip_html", "a</script></div>b", None) == "a\nb"

    def test_text_in_nested_templates_is_hidden(self) -> None:
        html = "a<template>x<template>y</template>z</template>b"
        assert run_builtin("strip_html", html, None) == "ab"

    def test_unclosed_template_hides_the_rest(self) -> None:
        assert run_builtin("strip_html", "a<template>b", None) == "a"

    @pytest.mark.parametrize(
        ("html", "expected"),
        [
            ("x < y and 3<4 &amp &copy;", "x < y and 3<4 & ©"),
            ("a<b>c</b>d", "acd"),
            ("<!DOCTYPE html><?xml x?><![CDATA[gone]]>kept", "kept"),
            ("<SCRIPT type='a>b'>if (a<b) x()</Script >after", "after"),
            ("<p title='a > b'>quoted</p>", "quoted"),
            ("<div class='unclosed>never shown", ""),
            ("before<!-- unclosed comment", "before"),
        ],
    )
    def test_tokenizer_edge_cases(self, html: str, expected: str) -> None:
        assert run_builtin("strip_html", html, None) == expected

    @pytest.mark.parametrize(
        "html", ["<a b='" * 20_000, "<!--" * 25_000, "<a" * 50_000, "<script>" * 20_000]
    )
    def test_unterminated_markup_takes_linear_time(self, html: str) -> None:
        started = time.perf_counter()
        run_builtin("strip_html", html, None)
        assert time.perf_counter() - started < 1.0

    def test_only_markup_gives_empty_text(self) -> None:
        assert run_builtin("strip_html", "<div><br></div>", None) == ""

    def test_refuses_empty_input(self) -> None:
        with pytest.raises(InvalidInputError):
            run_builtin("strip_html", "", None)

    def test_bad_config(self) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("strip_html", "x", {"keep_links": True})
        assert caught.value.field == "keep_links"
