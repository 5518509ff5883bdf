"""The template node and its strict placeholder syntax."""

from __future__ import annotations

import pytest

from chain_processor_core.exceptions.errors import InvalidConfigError, InvalidInputError
from chain_processor_core.lib_chains.builtins import run_builtin


class TestTemplate:
    def test_inserts_the_text(self) -> None:
        config = {"template": "Summary:\n\n{text}\n-- end"}
        assert run_builtin("template", "body", config) == "Summary:\n\nbody\n-- end"

    def test_every_placeholder(self) -> None:
        assert run_builtin("template", "ab", {"template": "{text}-{text}"}) == "ab-ab"

    def test_escaped_braces(self) -> None:
        config = {"template": "{{text}} = {text} {{}}"}
        assert run_builtin("template", "x", config) == "{text} = x {}"

    def test_input_braces_are_not_interpreted(self) -> None:
        config = {"template": "[{text}]"}
        assert run_builtin("template", "{text} {0} {{", config) == "[{text} {0} {{]"

    def test_constant_template(self) -> None:
        assert run_builtin("template", "ignored", {"template": "fixed"}) == "fixed"

    def test_refuses_empty_input(self) -> None:
        with pytest.raises(InvalidInputError):
            run_builtin("template", "", {"template": "{text}"})

    @pytest.mark.parametrize(
        ("template", "message"),
        [
            ("{text.__class__}", "Unknown placeholder {text.__class__}"),
            ("{text[0]}", "Unknown placeholder"),
            ("{text!r}", "Unknown placeholder"),
            ("{text:>10}", "Unknown placeholder"),
            ("{name}", "Unknown placeholder {name}"),
            ("{0}", "Unknown placeholder"),
            ("{}", "Unknown placeholder"),
            ("{ text }", "Unknown placeholder"),
            ("a { b", "Unmatched '{' at position 2"),
            ("a } b", "Unmatched '}'"),
            ("{text", "Unmatched '{'"),
        ],
    )
    def test_refuses_anything_but_text(self, template: str, message: str) -> None:
        with pytest.raises(InvalidConfigError, match=message.replace("[", r"\[")) as caught:
            run_builtin("template", "x", {"template": template})
        assert caught.value.field == "template"

    @pytest.mark.parametrize("config", [{}, {"template": ""}, {"template": "x" * 10_001}])
    def test_template_is_required_and_bounded(self, config: dict[str, object]) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("template", "x", config)
        assert caught.value.field == "template"
