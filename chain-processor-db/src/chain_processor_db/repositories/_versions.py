"""What nodes and chains share about versions: the next number and the content hash."""

from __future__ import annotations

import hashlib

from chain_processor_core.utils.semver import BumpLevel, bump, parse_version


def next_version(current: str, level: BumpLevel) -> str:
    return str(bump(parse_version(current), level))


def content_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
