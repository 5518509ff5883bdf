"""Small shared helpers: semantic versions and safe error messages."""

from chain_processor_core.utils.sanitize import (
    MAX_ERROR_CHARS,
    format_exception,
    sanitize_error_message,
)
from chain_processor_core.utils.semver import (
    INITIAL_VERSION,
    BumpLevel,
    SemVer,
    bump,
    parse_version,
)

__all__ = [
    "INITIAL_VERSION",
    "MAX_ERROR_CHARS",
    "BumpLevel",
    "SemVer",
    "bump",
    "format_exception",
    "parse_version",
    "sanitize_error_message",
]
