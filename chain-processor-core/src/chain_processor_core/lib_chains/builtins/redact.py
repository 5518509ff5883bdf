"""Redaction: replace e-mail addresses, phone numbers, IPv4 addresses and card numbers.

Detection is pattern-based, tuned to miss little without eating ordinary numbers: a phone
number has 7 to 15 digits, and without separators at least 10; dates (``2024-01-15``),
IPv4 addresses and decimals (``1234.5678``) are not phone numbers; a card number is 13 to 19
digits that pass the Luhn check. Kinds are searched in the order e-mail, card, IPv4, phone,
and a later kind never replaces part of an earlier match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from pydantic import Field, model_validator

from chain_processor_core.exceptions.errors import InvalidConfigError
from chain_processor_core.lib_chains.base import ChainNode, NodeConfig

_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\d.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\.?\d)")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){1,5}(?!\w)"
)
_DATE_START = re.compile(r"\d{4}[.-]\d{1,2}[.-]\d{1,2}|\d{1,2}[.-]\d{1,2}[.-]\d{4}")
_DOTTED_QUAD = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn checksum used by payment cards."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _is_card(candidate: str) -> bool:
    return luhn_valid(re.sub(r"\D", "", candidate))


def _is_phone(candidate: str) -> bool:
    digits = sum(char.isdigit() for char in candidate)
    separators = {char for char in candidate if not char.isdigit()}
    if not 7 <= digits <= 15:
        return False
    if not separators:
        return digits >= 10
    if separators == {"."} and candidate.count(".") == 1:
        return False  # a decimal number
    return not (_DATE_START.match(candidate) or _DOTTED_QUAD.fullmatch(candidate))


def _always(_: str) -> bool:
    return True


class RedactConfig(NodeConfig):
    emails: bool = Field(default=True, description="Redact e-mail addresses.")
    phones: bool = Field(default=True, description="Redact phone numbers.")
    ipv4: bool = Field(default=False, description="Redact IPv4 addresses.")
    credit_cards: bool = Field(
        default=False, description="Redact card numbers (13-19 digits passing the Luhn check)."
    )
    replacement: str = Field(
        default="[REDACTED]", max_length=100, description="Put in place of each match."
    )

    @model_validator(mode="after")
    def _check_something_chosen(self) -> RedactConfig:
        if not (self.emails or self.phones or self.ipv4 or self.credit_cards):
            raise InvalidConfigError("Choose at least one kind of data to redact", field="emails")
        return self

    def detectors(self) -> Iterator[tuple[re.Pattern[str], Callable[[str], bool]]]:
        """The chosen patterns, in priority order, each with a check of its candidates."""
        if self.emails:
            yield _EMAIL, _always
        if self.credit_cards:
            yield _CARD, _is_card
        if self.ipv4:
            yield _IPV4, _always
        if self.phones:
            yield _PHONE, _is_phone


class Redact(ChainNode[RedactConfig]):
    name = "redact"
    title = "Redact personal data"
    description = "Replace e-mail addresses, phone numbers and optionally IPs and card numbers."
    tags = ("privacy", "cleanup")
    Config = RedactConfig

    def process(self, input_text: str, config: RedactConfig) -> str:
        taken = bytearray(len(input_text))
        spans: list[tuple[int, int]] = []
        for pattern, accept in config.detectors():
            for match in pattern.finditer(input_text):
                start, end = match.span()
                if accept(match[0]) and not any(taken[start:end]):
                    taken[start:end] = b"\x01" * (end - start)
                    spans.append((start, end))
        pieces: list[str] = []
        position = 0
        for start, end in sorted(spans):
            pieces += [input_text[position:start], config.replacement]
            position = end
        pieces.append(input_text[position:])
        return "".join(pieces)
