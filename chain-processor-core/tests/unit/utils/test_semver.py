"""Semantic versions: parsing, printing, precedence and bumping."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chain_processor_core.exceptions.errors import InvalidVersionError
from chain_processor_core.utils.semver import (
    INITIAL_VERSION,
    MAX_VERSION_CHARS,
    BumpLevel,
    SemVer,
    bump,
    parse_version,
)

NUMBERS = st.integers(min_value=0, max_value=10**6)
ALPHANUMERIC_ID = st.from_regex(r"[0-9]*[A-Za-z-][0-9A-Za-z-]{0,5}", fullmatch=True)
NUMERIC_ID = st.integers(min_value=0, max_value=10**6).map(str)
PRERELEASES = st.lists(NUMERIC_ID | ALPHANUMERIC_ID, min_size=1, max_size=4).map(".".join)
BUILDS = st.lists(st.from_regex(r"[0-9A-Za-z-]{1,6}", fullmatch=True), min_size=1, max_size=3).map(
    ".".join
)
VERSIONS = st.builds(SemVer, NUMBERS, NUMBERS, NUMBERS, st.none() | PRERELEASES, st.none() | BUILDS)
RELEASES = st.builds(SemVer, NUMBERS, NUMBERS, NUMBERS)


class TestParse:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("0.0.0", SemVer(0, 0, 0)),
            ("1.2.3", SemVer(1, 2, 3)),
            ("10.20.30", SemVer(10, 20, 30)),
            ("1.0.0-alpha", SemVer(1, 0, 0, "alpha")),
            ("1.0.0-0.3.7", SemVer(1, 0, 0, "0.3.7")),
            ("1.0.0-x.7.z.92", SemVer(1, 0, 0, "x.7.z.92")),
            ("1.0.0-x-y-z.--", SemVer(1, 0, 0, "x-y-z.--")),
            ("1.0.0-0alpha", SemVer(1, 0, 0, "0alpha")),
            ("1.0.0+20130313144700", SemVer(1, 0, 0, None, "20130313144700")),
            ("1.0.0-beta+exp.sha.5114f85", SemVer(1, 0, 0, "beta", "exp.sha.5114f85")),
            ("1.0.0+21AF26D3---117B344092BD", SemVer(1, 0, 0, None, "21AF26D3---117B344092BD")),
            ("1.0.0+001", SemVer(1, 0, 0, None, "001")),
            ("99999999999999999999.0.0", SemVer(99999999999999999999, 0, 0)),
        ],
    )
    def test_valid(self, text: str, expected: SemVer) -> None:
        version = parse_version(text)
        assert version == expected
        assert str(version) == text

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "v1.0.0",
            " 1.0.0",
            "1.0.0 ",
            "01.0.0",
            "1.02.0",
            "1.0.00",
            "-1.0.0",
            "1.-1.0",
            "1..0",
            "1.0.0-",
            "1.0.0+",
            "1.0.0-01",
            "1.0.0-alpha..1",
            "1.0.0-alpha_beta",
            "1.0.0+build+2",
            "1.0.0-é",
            "1.0.0\n",
            "\uff11.0.0",  # a full-width digit
            "a.b.c",
            "1.0.0-" + "a" * MAX_VERSION_CHARS,
        ],
    )
    def test_invalid(self, text: str) -> None:
        with pytest.raises(InvalidVersionError, match="is not a semantic version"):
            parse_version(text)

    def test_non_string(self) -> None:
        with pytest.raises(InvalidVersionError, match="must be a string, not int"):
            parse_version(100)  # type: ignore[arg-type]


class TestConstruct:
    @pytest.mark.parametrize(
        "args",
        [(-1, 0, 0), (1, -1, 0), (1, 0, -1), (1.0, 0, 0), (True, 0, 0), ("1", 0, 0)],
    )
    def test_numbers_must_be_non_negative_ints(self, args: tuple[object, ...]) -> None:
        with pytest.raises(InvalidVersionError, match="integers >= 0"):
            SemVer(*args)  # type: ignore[arg-type]

    @pytest.mark.parametrize("prerelease", ["", "01", "a..b", "a b", "a+b"])
    def test_prerelease_must_be_valid(self, prerelease: str) -> None:
        with pytest.raises(InvalidVersionError, match="Invalid pre-release"):
            SemVer(1, 0, 0, prerelease)

    @pytest.mark.parametrize("build", ["", "a..b", "a_b", "a+b"])
    def test_build_must_be_valid(self, build: str) -> None:
        with pytest.raises(InvalidVersionError, match="Invalid build metadata"):
            SemVer(1, 0, 0, None, build)

    def test_frozen_and_hashable(self) -> None:
        version = SemVer(1, 2, 3)
        with pytest.raises(AttributeError):
            version.major = 2  # type: ignore[misc]
        assert {version, SemVer(1, 2, 3)} == {version}

    def test_initial_version(self) -> None:
        assert str(INITIAL_VERSION) == "1.0.0"
        assert not INITIAL_VERSION.is_prerelease
        assert SemVer(1, 0, 0, "rc.1").is_prerelease


class TestPrecedence:
    def test_semver_spec_example_order(self) -> None:
        texts = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "2.0.0",
            "10.0.0",
        ]
        versions = [parse_version(text) for text in texts]
        assert sorted(random.Random(7).sample(versions, len(versions))) == versions
        for lower, higher in itertools.pairwise(versions):
            assert lower < higher
            assert lower <= higher
            assert higher > lower
            assert higher >= lower
            assert lower != higher

    def test_numeric_identifiers_sort_below_alphanumeric(self) -> None:
        assert parse_version("1.0.0-999") < parse_version("1.0.0-a")
        assert parse_version("1.0.0-2") < parse_version("1.0.0-10")

    def test_build_only_breaks_ties(self) -> None:
        plain, with_a, with_b = (parse_version(t) for t in ("1.0.0", "1.0.0+a", "1.0.0+b"))
        assert plain != with_a != with_b
        assert plain < with_a < with_b
        assert parse_version("1.0.0-rc.1+zzz") < parse_version("1.0.0+aaa")
        assert parse_version("1.0.0+zzz") < parse_version("1.0.1")

    def test_not_comparable_with_strings(self) -> None:
        version = SemVer(1, 0, 0)
        for compare in (version.__lt__, version.__le__, version.__gt__, version.__ge__):
            assert compare("1.0.0") is NotImplemented  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            assert version < "2.0.0"  # type: ignore[operator]

    @settings(database=None)
    @given(VERSIONS)
    def test_str_round_trips(self, version: SemVer) -> None:
        assert parse_version(str(version)) == version

    @settings(database=None)
    @given(RELEASES, RELEASES)
    def test_releases_order_like_tuples(self, a: SemVer, b: SemVer) -> None:
        as_tuple = (a.major, a.minor, a.patch), (b.major, b.minor, b.patch)
        assert (a < b) == (as_tuple[0] < as_tuple[1])
        assert (a == b) == (as_tuple[0] == as_tuple[1])

    @settings(database=None)
    @given(VERSIONS, VERSIONS)
    def test_order_is_total_and_agrees_with_equality(self, a: SemVer, b: SemVer) -> None:
        assert [a < b, a == b, a > b].count(True) == 1
        assert (a <= b) == (a < b or a == b)
        assert (a >= b) == (a > b or a == b)

    @settings(database=None)
    @given(RELEASES, PRERELEASES)
    def test_prerelease_precedes_its_release(self, release: SemVer, prerelease: str) -> None:
        candidate = SemVer(release.major, release.minor, release.patch, prerelease)
        assert candidate < release


class TestBump:
    @pytest.mark.parametrize(
        ("text", "level", "expected"),
        [
            ("1.2.3", BumpLevel.PATCH, "1.2.4"),
            ("1.2.3", BumpLevel.MINOR, "1.3.0"),
            ("1.2.3", BumpLevel.MAJOR, "2.0.0"),
            ("1.2.3+build.1", BumpLevel.PATCH, "1.2.4"),
            ("1.2.3-rc.1", BumpLevel.PATCH, "1.2.3"),
            ("1.2.3-rc.1", BumpLevel.MINOR, "1.3.0"),
            ("1.2.3-rc.1", BumpLevel.MAJOR, "2.0.0"),
            ("1.3.0-rc.1", BumpLevel.MINOR, "1.3.0"),
            ("1.3.0-rc.1+b", BumpLevel.PATCH, "1.3.0"),
            ("1.3.0-rc.1", BumpLevel.MAJOR, "2.0.0"),
            ("2.0.0-rc.1", BumpLevel.MAJOR, "2.0.0"),
            ("2.0.0-rc.1", BumpLevel.MINOR, "2.0.0"),
            ("0.0.0", BumpLevel.PATCH, "0.0.1"),
        ],
    )
    def test_bump(self, text: str, level: BumpLevel, expected: str) -> None:
        assert str(bump(parse_version(text), level)) == expected

    def test_accepts_the_level_as_text(self) -> None:
        assert bump(SemVer(1, 0, 0), "minor") == SemVer(1, 1, 0)  # type: ignore[arg-type]

    def test_refuses_unknown_levels(self) -> None:
        with pytest.raises(ValueError, match="'huge' is not a valid BumpLevel"):
            bump(SemVer(1, 0, 0), "huge")  # type: ignore[arg-type]

    @settings(database=None)
    @given(VERSIONS, st.sampled_from(BumpLevel))
    def test_bump_always_goes_up_to_a_release(self, version: SemVer, level: BumpLevel) -> None:
        bumped = bump(version, level)
        assert bumped > version
        assert bumped.prerelease is None and bumped.build is None

    def test_levels_are_strings(self) -> None:
        assert [level.value for level in BumpLevel] == ["major", "minor", "patch"]
        assert BumpLevel("patch") == "patch"
