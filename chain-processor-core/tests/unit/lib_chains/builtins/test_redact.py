"""The redact node and its detectors."""

from __future__ import annotations

import pytest

from chain_processor_core.exceptions.errors import InvalidConfigError, InvalidInputError
from chain_processor_core.lib_chains.builtins import run_builtin
from chain_processor_core.lib_chains.builtins.redact import luhn_valid

EVERYTHING = {"emails": True, "phones": True, "ipv4": True, "credit_cards": True}


class TestEmails:
    @pytest.mark.parametrize(
        "email", ["bob@example.com", "first.last+tag@mail.example.co.uk", "a_b%c@x-y.io"]
    )
    def test_redacted(self, email: str) -> None:
        assert run_builtin("redact", f"Write to {email}.", None) == "Write to [REDACTED]."

    def test_off(self) -> None:
        config = {"emails": False}
        assert run_builtin("redact", "bob@example.com", config) == "bob@example.com"

    def test_not_emails(self) -> None:
        text = "user@localhost or @handle or a@b"
        assert run_builtin("redact", text, None) == text


class TestPhones:
    @pytest.mark.parametrize(
        "phone",
        [
            "+1 (555) 123-4567",
            "555-123-4567",
            "(555) 123 4567",
            "+44 20 7946 0958",
            "555.123.4567",
            "555-1234",
            "+4915112345678",
            "0151 12345678",
            "5551234567",
        ],
    )
    def test_redacted(self, phone: str) -> None:
        assert run_builtin("redact", f"Call {phone} now", None) == "Call [REDACTED] now"

    @pytest.mark.parametrize(
        "text",
        [
            "on 2024-01-15 at 10:30",
            "on 15.01.2024",
            "order 1234567",
            "pi is 3.14159265 and 1234.5678",
            "host 192.168.100.200",
            "12 34",
            "version 1.2.3",
            "call 123-4567-8901-2345-6789",
        ],
    )
    def test_not_phones(self, text: str) -> None:
        assert run_builtin("redact", text, None) == text

    def test_off(self) -> None:
        assert run_builtin("redact", "555-123-4567", {"phones": False}) == "555-123-4567"


class TestIpv4:
    def test_off_by_default(self) -> None:
        assert run_builtin("redact", "from 10.0.0.1", None) == "from 10.0.0.1"

    def test_redacted_when_on(self) -> None:
        config = {"ipv4": True}
        text = "from 10.0.0.1, 255.255.255.255. Not 256.1.1.1 or 1.2.3.4.5"
        assert run_builtin("redact", text, config) == (
            "from [REDACTED], [REDACTED]. Not 256.1.1.1 or 1.2.3.4.5"
        )


class TestCreditCards:
    @pytest.mark.parametrize(
        "card", ["4111 1111 1111 1111", "4111-1111-1111-1111", "378282246310005"]
    )
    def test_luhn_valid_numbers_redacted_when_on(self, card: str) -> None:
        config = {"credit_cards": True, "phones": False}
        assert run_builtin("redact", f"card {card}.", config) == "card [REDACTED]."

    def test_off_by_default(self) -> None:
        config = {"phones": False}
        assert run_builtin("redact", "4111111111111111", config) == "4111111111111111"

    def test_luhn_invalid_numbers_are_kept(self) -> None:
        config = {"credit_cards": True, "phones": False}
        assert run_builtin("redact", "4111 1111 1111 1112", config) == "4111 1111 1111 1112"

    def test_luhn(self) -> None:
        assert luhn_valid("79927398713")
        assert not luhn_valid("79927398710")
        assert luhn_valid("0")


class TestRedact:
    def test_everything_at_once(self) -> None:
        text = (
            "Mail bob@example.com, call +1 555 123 4567 from 10.0.0.1 "
            "and pay with 4111 1111 1111 1111."
        )
        assert run_builtin("redact", text, EVERYTHING) == (
            "Mail [REDACTED], call [REDACTED] from [REDACTED] and pay with [REDACTED]."
        )

    def test_earlier_kinds_win(self) -> None:
        text = "5551234567@example.com"
        assert run_builtin("redact", text, EVERYTHING) == "[REDACTED]"

    def test_replacement(self) -> None:
        config = {"replacement": "<hidden>"}
        assert run_builtin("redact", "a@b.io 555-123-4567", config) == "<hidden> <hidden>"

    def test_nothing_to_redact(self) -> None:
        assert run_builtin("redact", "Nothing to see here.", None) == "Nothing to see here."

    def test_refuses_empty_input(self) -> None:
        with pytest.raises(InvalidInputError):
            run_builtin("redact", "", None)

    @pytest.mark.parametrize(
        ("config", "field"),
        [
            ({"emails": False, "phones": False}, "emails"),
            ({"replacement": "x" * 101}, "replacement"),
            ({"ipv6": True}, "ipv6"),
        ],
    )
    def test_bad_config(self, config: dict[str, object], field: str) -> None:
        with pytest.raises(InvalidConfigError) as caught:
            run_builtin("redact", "x", config)
        assert caught.value.field == field
