"""Numeric settings from the environment: defaults, bounds, errors naming the variable."""

from __future__ import annotations

import pytest

from track_sync_assets.envvars import env_number


def test_unset_or_blank_gives_the_default() -> None:
    assert env_number("X", 0.5, kind=float, environ={}) == 0.5
    assert env_number("X", 3, kind=int, environ={"X": "  "}) == 3


def test_values_are_parsed_and_trimmed() -> None:
    assert env_number("X", 0.5, kind=float, environ={"X": " 0.25 "}) == 0.25
    assert env_number("X", 3, kind=int, minimum=1, environ={"X": "7"}) == 7


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("abc", float, "expected a number"),
        ("1.5", int, "expected a whole number"),
        ("-1", float, "at least 0"),
        ("2", float, "at most 1"),
    ],
)
def test_bad_values_raise_an_error_naming_the_variable(raw: str, kind: type, expected: str) -> None:
    with pytest.raises(ValueError, match="TRACK_SYNC_SHARE") as error:
        env_number(
            "TRACK_SYNC_SHARE",
            0.5,
            kind=kind,
            minimum=0,
            maximum=1,
            environ={"X": "", "TRACK_SYNC_SHARE": raw},
        )
    assert expected in str(error.value)
