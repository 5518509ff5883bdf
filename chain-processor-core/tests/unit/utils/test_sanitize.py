"""Sanitizing error messages: what goes, what stays, and the length cap."""

from __future__ import annotations

import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chain_processor_core.exceptions.errors import InvalidInputError
from chain_processor_core.utils.sanitize import (
    ELLIPSIS,
    MAX_ERROR_CHARS,
    SCAN_CHARS,
    format_exception,
    sanitize_error_message,
)


@pytest.mark.parametrize(
    "message",
    [
        "Input cannot be empty",
        "Input must be a string",
        "expected str, got int",
        "Node returned int, expected str",
        "e.g. use node.py or config.json, i.e. the usual files",
        "'NoneType' object has no attribute 'upper'",
        "module 'os.path' has no attribute 'joinx'",
        "invalid literal for int() with base 10: 'abc'",
        "unsupported operand type(s) for /: 'int' and 'str'",
        "read/write and and/or at 3/4 speed, a / b",
        "list index out of range",
        "Expecting value: line 1 column 1 (char 0)",
        "KeyError: 'password'",
        "name 'token' is not defined",
        "user: not found",
        "Basic authentication failed",
        "version 1.2.3 at 12:30:45 for 10 km/h",
        "execution 123e4567-e89b-12d3-a456-426614174000 failed",
        "Took 1.5s; ratio 0.25",
        "std::vector and a :: b",
        "",
    ],
)
def test_prose_passes_through(message: str) -> None:
    assert sanitize_error_message(message) == message


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # spec §14.2 cases
        ('password="hunter2"', "password=[REDACTED]"),
        ("username='alice'", "username=[REDACTED]"),
        ("secret = 'abc def'", "secret = [REDACTED]"),
        ('token="t0k"', "token=[REDACTED]"),
        # unquoted, colon, JSON, prefixed and suffixed keys, case
        ("password=abc rest", "password=[REDACTED] rest"),
        ("PASSWORD: abc", "PASSWORD: [REDACTED]"),
        ('{"api_key": "k1", "ok": 1}', '{"api_key": [REDACTED], "ok": 1}'),
        (
            "db_password=x; aws_secret_access_key=y",
            "db_password=[REDACTED]; aws_secret_access_key=[REDACTED]",
        ),
        ("X-API-Key: abc123", "X-API-Key: [REDACTED]"),
        ("access_token=abc&page=2", "access_token=[REDACTED]&page=2"),
        ("passphrase: 'open sesame", "passphrase: [REDACTED]"),
        ("Set-Cookie: session=abc", "Set-Cookie: [REDACTED]"),
        ("credentials=xyz", "credentials=[REDACTED]"),
        ("user=bob password=pw dbname=app", "user=[REDACTED] password=[REDACTED] dbname=app"),
        ("hostname=db", "hostname=[HOST]"),
        # credentials after a scheme word
        ("Authorization: Bearer abc.def.ghi", "Authorization: [REDACTED]"),
        ("sent Bearer abcDEF123456", "sent Bearer [REDACTED]"),
        ("basic dXNlcjpwYXNz", "basic [REDACTED]"),
        # tokens
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_nature", "jwt [REDACTED]"),
        ("key AKIAIOSFODNN7EXAMPLE", "key [REDACTED]"),
        ("gh ghp_abcdefghijklmnopqrstuvwxyz0123456789", "gh [REDACTED]"),
        ("slack xoxb-1234567890-abcdefghij", "slack [REDACTED]"),
        ("openai sk-proj-abcdefghijklmnopqrstuv", "openai [REDACTED]"),
        ("blob aGVsbG8gd29ybGQgdGhpcyBpcyBhIHNlY3JldA==", "blob [REDACTED]"),
        (
            "hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "hash [REDACTED]",
        ),
        # e-mail
        ("no user alice@example.com", "no user [EMAIL]"),
        # paths
        ('File "/home/alice/app/node.py", line 3', 'File "[PATH]", line 3'),
        ("open ~/secrets/key.pem and ./data/x.csv", "open [PATH] and [PATH]"),
        ("at ../up/there failed", "at [PATH] failed"),
        ("(/etc/passwd)", "([PATH])"),
        (r"C:\Users\alice\file.txt missing", "[PATH] missing"),
        (r"share \\fileserver\secret\x.doc", "share [PATH]"),
        # addresses
        ("from 192.168.0.1:5432", "from [IP]:5432"),
        ("to fe80::1%eth0 and ::1 and 2001:db8::8a2e:370:7334", "to [IP] and [IP] and [IP]"),
        ("not 1.2.3.4.5", "not 1.2.3.4.5"),
        # host names
        ("cannot reach api.example.com.", "cannot reach [HOST]."),
        ("db-1.cluster-x.us-east-1.rds.amazonaws.com timed out", "[HOST] timed out"),
        ("redis.default.svc and cache.corp.internal", "[HOST] and [HOST]"),
    ],
)
def test_redacts(message: str, expected: str) -> None:
    assert sanitize_error_message(message) == expected


class TestUrls:
    def test_credentials_and_host_do_not_leak(self) -> None:
        result = sanitize_error_message(
            "could not connect to postgresql://app_user:s3cr3t@db.prod.internal:5432/app"
        )
        assert result == "could not connect to postgresql://[REDACTED]@[HOST]/[PATH]"
        for secret in ("app_user", "s3cr3t", "db.prod", "5432", "app"):
            assert secret not in result.removeprefix("could not connect to ")

    def test_query_strings_and_paths_are_hidden(self) -> None:
        result = sanitize_error_message("GET https://example.com/v1/x?token=abc#f failed")
        assert result == "GET https://[HOST]/[PATH] failed"

    def test_awkward_passwords(self) -> None:
        result = sanitize_error_message("redis://:p@ss/w#rd@cache:6379/0")
        assert result == "redis://[REDACTED]@[HOST]/[PATH]"

    @pytest.mark.parametrize(
        ("message", "expected"),
        [
            ("see (https://example.com).", "see (https://[HOST])."),
            ("host http://localhost/ down", "host http://[HOST]/ down"),
            ("file:///etc/passwd", "file:///[PATH]"),
            ("http://[::1]:8080/x", "http://[HOST]/[PATH]"),
            ("weird scheme:// here", "weird scheme:// here"),
        ],
    )
    def test_shapes(self, message: str, expected: str) -> None:
        assert sanitize_error_message(message) == expected

    def test_credentials_without_a_scheme(self) -> None:
        result = sanitize_error_message("dsn alice:pw@db:5432 refused")
        assert result == "dsn [REDACTED]@[HOST]:5432 refused"


class TestLength:
    def test_short_messages_are_not_cut(self) -> None:
        message = "x " * (MAX_ERROR_CHARS // 2)
        assert sanitize_error_message(message) == message

    def test_long_messages_are_cut_with_an_ellipsis(self) -> None:
        result = sanitize_error_message("word " * 1000)
        assert len(result) <= MAX_ERROR_CHARS
        assert result.endswith("word" + ELLIPSIS)

    def test_huge_messages_are_only_scanned_in_part(self) -> None:
        message = "/tmp/x " * 10 + "y" * (SCAN_CHARS * 3)
        result = sanitize_error_message(message)
        assert result == "[PATH] " * 9 + "[PATH]" + ELLIPSIS
        assert result.endswith(ELLIPSIS)
        assert len(result) <= MAX_ERROR_CHARS

    def test_scan_cut_never_splits_a_secret(self) -> None:
        padding = "a " * ((SCAN_CHARS - 20) // 2)
        message = padding + "password=hunter2hunter2hunter2 tail"
        result = sanitize_error_message(message)
        assert "hunter" not in result

    def test_sanitizing_is_idempotent_on_examples(self) -> None:
        message = (
            "postgresql://u:p@h/db password=x Bearer abc123456 alice@example.com "
            "/etc/x 10.0.0.1 api.example.com"
        )
        once = sanitize_error_message(message)
        assert sanitize_error_message(once) == once


@pytest.mark.parametrize(
    "message",
    ["a." * 5000, "a-" * 5000, "a:" * 5000, "a:b" * 3000, "1.1.1." * 2000, "eyJ." * 2500],
)
def test_adversarial_messages_take_linear_time(message: str) -> None:
    started = time.perf_counter()
    sanitize_error_message(message)
    assert time.perf_counter() - started < 0.5


SECRETS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789!$%", min_size=6, max_size=20)


@settings(database=None)
@given(st.text(max_size=3000))
def test_any_text_is_handled_and_capped(message: str) -> None:
    result = sanitize_error_message(message)
    assert len(result) <= MAX_ERROR_CHARS


@settings(database=None)
@given(SECRETS, SECRETS, st.sampled_from(["password", "token", "api_key", "Secret"]))
def test_generated_secrets_never_leak(user: str, secret: str, key: str) -> None:
    # A secret that is part of the message's own words ("failed") is in any answer.
    assume(secret not in f"failed with (retrying) {key} mysql:// db.internal/app")
    messages = [
        f"{key}={secret}",
        f"{key}: '{secret}'",
        f'"{key}": "{secret}"',
        f"mysql://{user}:{secret}@db.internal/app",
    ]
    for message in messages:
        result = sanitize_error_message(f"failed with {message} (retrying)")
        assert secret not in result
        assert result.endswith("(retrying)")


class TestFormatException:
    def test_type_and_sanitized_message(self) -> None:
        error = ConnectionError("cannot reach 10.0.0.1 with password=x")
        assert (
            format_exception(error) == "ConnectionError: cannot reach [IP] with password=[REDACTED]"
        )

    def test_chain_processor_errors(self) -> None:
        assert format_exception(InvalidInputError()) == (
            "InvalidInputError: The input text is not valid."
        )

    def test_no_message(self) -> None:
        assert format_exception(ValueError()) == "ValueError"

    def test_key_error(self) -> None:
        assert format_exception(KeyError("name")) == "KeyError: 'name'"

    def test_broken_str(self) -> None:
        class Weird(Exception):
            def __str__(self) -> str:
                raise RuntimeError("nope")

        assert format_exception(Weird()) == "Weird"
