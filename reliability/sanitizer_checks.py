"""What an error body must never carry: a stack trace, a file path, a host, a credential."""

from __future__ import annotations

import json
import re
from typing import Any

from stack import CANARIES

LEAK_PATTERNS = {
    "stack trace": re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+"),
    "path": re.compile(r"(/work/|/root/|/usr/lib/|/var/tmp/|site-packages|\.py\b)"),
    "connection string": re.compile(r"postgres(ql)?(\+\w+)?://|sqlite:///|host=\S+ port="),
    "driver error": re.compile(r"psycopg|sqlalchemy|OperationalError|\(Background on this error"),
    "host:port": re.compile(r"127\.0\.0\.1:\d{2,5}|localhost:\d{2,5}"),
}


def leaks(body: Any, kinds: tuple[str, ...] = tuple(LEAK_PATTERNS)) -> list[str]:
    """The kinds of leak found in ``body`` (a decoded JSON body or a text); secrets always."""
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    found = [kind for kind in kinds if LEAK_PATTERNS[kind].search(text)]
    found += [f"secret {secret[:8]}…" for secret in CANARIES if secret in text]
    return found
