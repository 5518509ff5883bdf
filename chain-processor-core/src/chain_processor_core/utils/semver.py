"""Semantic versions (https://semver.org, 2.0.0) of chains and nodes.

:class:`SemVer` orders by semver precedence: release numbers numerically, a pre-release
before its release, pre-release identifiers one by one (numeric ones numerically and before
alphanumeric ones, a shorter list first when the longer one starts with it). Semver ignores
build metadata for precedence; here it only breaks ties, so that the order is total and
agrees with ``==`` (``1.0.0+a`` and ``1.0.0+b`` are different values).

:func:`bump` follows the common (npm) practice for pre-releases: bumping a pre-release to the
level it is a pre-release of releases it (``1.2.3-rc.1`` patch -> ``1.2.3``,
``1.3.0-rc.1`` minor -> ``1.3.0``, ``2.0.0-rc.1`` major -> ``2.0.0``); otherwise the level
goes up by one and lower levels reset. A bump always drops pre-release and build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from chain_processor_core.exceptions.errors import InvalidVersionError

MAX_VERSION_CHARS = 256

_NUMBER = r"0|[1-9]\d*"
_PRERELEASE_ID = r"(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
_BUILD_ID = r"[0-9A-Za-z-]+"
_VERSION = re.compile(
    rf"(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<prerelease>{_PRERELEASE_ID}(?:\.{_PRERELEASE_ID})*))?"
    rf"(?:\+(?P<build>{_BUILD_ID}(?:\.{_BUILD_ID})*))?",
    re.ASCII,
)
SEMVER_PATTERN = (
    rf"^(?:{_NUMBER})\.(?:{_NUMBER})\.(?:{_NUMBER})"
    rf"(?:-{_PRERELEASE_ID}(?:\.{_PRERELEASE_ID})*)?(?:\+{_BUILD_ID}(?:\.{_BUILD_ID})*)?$"
)
"""The same grammar as a plain, anchored pattern (for OpenAPI documents)."""
_PRERELEASE = re.compile(rf"{_PRERELEASE_ID}(?:\.{_PRERELEASE_ID})*", re.ASCII)
_BUILD = re.compile(rf"{_BUILD_ID}(?:\.{_BUILD_ID})*", re.ASCII)

_Key = tuple[int, int, int, int, tuple[tuple[int, int, str], ...], tuple[str, ...]]


class BumpLevel(StrEnum):
    """Which part of a version a save increments."""

    MAJOR = "major"
    MINOR = "minor"
    PATCH = "patch"


@dataclass(frozen=True)
class SemVer:
    """A semantic version; ``str()`` gives the canonical text, which :func:`parse_version` reads."""

    major: int
    minor: int
    patch: int
    prerelease: str | None = None
    """Dot-separated identifiers after ``-``, e.g. ``"rc.1"``."""
    build: str | None = None
    """Dot-separated identifiers after ``+``, e.g. ``"build.5"``."""

    def __post_init__(self) -> None:
        for part in (self.major, self.minor, self.patch):
            if type(part) is not int or part < 0:
                raise InvalidVersionError(f"Version numbers must be integers >= 0, not {part!r}")
        if self.prerelease is not None and not _PRERELEASE.fullmatch(self.prerelease):
            raise InvalidVersionError(f"Invalid pre-release {self.prerelease!r}")
        if self.build is not None and not _BUILD.fullmatch(self.build):
            raise InvalidVersionError(f"Invalid build metadata {self.build!r}")

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease is not None:
            text += f"-{self.prerelease}"
        if self.build is not None:
            text += f"+{self.build}"
        return text

    @property
    def is_prerelease(self) -> bool:
        return self.prerelease is not None

    def _key(self) -> _Key:
        identifiers = self.prerelease.split(".") if self.prerelease is not None else []
        prerelease = tuple(
            (0, int(part), "") if part.isdigit() else (1, 0, part) for part in identifiers
        )
        build = tuple(self.build.split(".")) if self.build is not None else ()
        release_rank = 0 if self.prerelease is not None else 1
        return (self.major, self.minor, self.patch, release_rank, prerelease, build)

    def __lt__(self, other: SemVer) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self._key() < other._key()

    def __le__(self, other: SemVer) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self._key() <= other._key()

    def __gt__(self, other: SemVer) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self._key() > other._key()

    def __ge__(self, other: SemVer) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self._key() >= other._key()


INITIAL_VERSION = SemVer(1, 0, 0)
"""The version of a newly created chain or node."""


def parse_version(text: str) -> SemVer:
    """Read a version such as ``1.2.3``, ``1.0.0-rc.1`` or ``1.0.0+build.5``.

    Only the strict semver grammar is accepted: no ``v`` prefix, no surrounding spaces, no
    leading zeros in numbers, no missing or empty parts.
    """
    if not isinstance(text, str):
        raise InvalidVersionError(f"A version must be a string, not {type(text).__name__}")
    match = _VERSION.fullmatch(text) if len(text) <= MAX_VERSION_CHARS else None
    if match is None:
        raise InvalidVersionError(f"{text[:MAX_VERSION_CHARS]!r} is not a semantic version")
    return SemVer(
        int(match["major"]),
        int(match["minor"]),
        int(match["patch"]),
        match["prerelease"],
        match["build"],
    )


def bump(version: SemVer, level: BumpLevel) -> SemVer:
    """The next version at ``level``; see the module docstring for pre-releases."""
    level = BumpLevel(level)
    released = replace(version, prerelease=None, build=None)
    if version.is_prerelease:
        if level is BumpLevel.PATCH:
            return released
        if level is BumpLevel.MINOR and version.patch == 0:
            return released
        if level is BumpLevel.MAJOR and version.minor == version.patch == 0:
            return released
    if level is BumpLevel.MAJOR:
        return SemVer(version.major + 1, 0, 0)
    if level is BumpLevel.MINOR:
        return SemVer(version.major, version.minor + 1, 0)
    return SemVer(version.major, version.minor, version.patch + 1)
