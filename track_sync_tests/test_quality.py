"""Data-quality rules over the catalogue: coordinates, e-mail syntax and completeness.

Absent is not invalid: a track without coordinates or without an e-mail address is a
completeness gap, never a finding. Coordinates are judged against the offline
gazetteer (loaded once, cached under ~/.cache/track-sync).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from track_sync_assets.quality import (
    COMPLETENESS_FIELDS,
    Finding,
    completeness,
    coordinate_findings,
    email_findings,
)

COLUMNS = ("slug", "latitude", "longitude", "country_code", "email", "phone", "website")

LUCAMA_NC = (35.6446, -78.0097)
SYDNEY = (-33.8688, 151.2093)
BERLIN = (52.52, 13.405)


def track(slug: str, **values: Any) -> dict[str, Any]:
    """One row of the ``tracks`` table: a complete, valid US track unless told otherwise."""
    row: dict[str, Any] = {
        "slug": slug,
        "latitude": LUCAMA_NC[0],
        "longitude": LUCAMA_NC[1],
        "country_code": "US",
        "email": f"info@{slug}.example.com",
        "phone": "+1 252 555 0100",
        "website": f"https://{slug}.example.com/",
    }
    row.update(values)
    return row


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(COLUMNS))


def as_stored(data: pd.DataFrame) -> pd.DataFrame:
    """The dtypes ``CatalogueStore.tracks_frame`` returns: nullable floats and strings,
    so missing values are ``pd.NA`` rather than NaN."""
    typed = data.astype({"latitude": "Float64", "longitude": "Float64"})
    for column in ("country_code", "email", "phone", "website"):
        typed[column] = typed[column].astype("string")
    return typed


def problems(findings: list[Finding]) -> dict[str, str]:
    return {finding.slug: finding.problem for finding in findings}


# --- Coordinates ---


def test_valid_coordinates_inside_the_stated_country_pass() -> None:
    tracks = frame(
        track("lucama"),
        track("sydney", latitude=SYDNEY[0], longitude=SYDNEY[1], country_code="AU"),
        track("berlin", latitude=BERLIN[0], longitude=BERLIN[1], country_code="de"),
        track("nocountry", latitude=SYDNEY[0], longitude=SYDNEY[1], country_code=None),
    )
    assert coordinate_findings(tracks) == []


def test_null_island_is_a_finding() -> None:
    found = problems(
        coordinate_findings(frame(track("ok"), track("null", latitude=0.0, longitude=0.0)))
    )
    assert list(found) == ["null"]
    assert "(0, 0)" in found["null"]


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(35.6, None), (None, -78.0), (35.6, float("nan")), (np.nan, -78.0)],
    ids=["no-longitude", "no-latitude", "nan-longitude", "nan-latitude"],
)
def test_half_a_coordinate_pair_is_a_finding(latitude: Any, longitude: Any) -> None:
    found = problems(
        coordinate_findings(frame(track("half", latitude=latitude, longitude=longitude)))
    )
    assert found == {"half": "latitude and longitude must be both set or both empty"}


def test_a_point_in_australia_for_a_us_track_is_a_finding() -> None:
    tracks = frame(track("misplaced", latitude=SYDNEY[0], longitude=SYDNEY[1], country_code="US"))
    found = problems(coordinate_findings(tracks))
    assert list(found) == ["misplaced"]
    assert "far outside United States (US)" in found["misplaced"]


@pytest.mark.parametrize(
    ("latitude", "longitude", "words"),
    [(95.0, 10.0, "latitude 95.0"), (45.0, 200.0, "longitude 200.0"), (math.inf, 1.0, "finite")],
)
def test_out_of_range_coordinates_are_findings(
    latitude: float, longitude: float, words: str
) -> None:
    found = problems(
        coordinate_findings(frame(track("bad", latitude=latitude, longitude=longitude)))
    )
    assert words in found["bad"]


def test_an_unknown_country_code_is_a_finding() -> None:
    found = problems(coordinate_findings(frame(track("where", country_code="ZZ"))))
    assert "unknown country code 'ZZ'" in found["where"]


@pytest.mark.parametrize("missing", [None, np.nan], ids=["none", "nan"])
def test_missing_coordinates_are_not_a_finding(missing: Any) -> None:
    tracks = frame(track("nowhere", latitude=missing, longitude=missing))
    assert coordinate_findings(tracks) == []


def test_missing_country_code_checks_only_the_ranges() -> None:
    tracks = frame(
        track("blank", country_code="  ", latitude=SYDNEY[0], longitude=SYDNEY[1]),
        track("nan", country_code=np.nan, latitude=0.0, longitude=0.0),
    )
    assert list(problems(coordinate_findings(tracks))) == ["nan"]


def test_coordinate_rules_hold_on_the_stores_nullable_dtypes() -> None:
    tracks = as_stored(
        frame(
            track("ok"),
            track("nowhere", latitude=None, longitude=None),
            track("half", longitude=None),
            track("misplaced", latitude=SYDNEY[0], longitude=SYDNEY[1]),
        )
    )
    assert tracks["latitude"].dtype == "Float64"
    assert sorted(problems(coordinate_findings(tracks))) == ["half", "misplaced"]


def test_an_empty_catalogue_has_no_coordinate_findings() -> None:
    assert coordinate_findings(frame()) == []


# --- E-mail ---


def test_valid_email_addresses_pass() -> None:
    tracks = frame(
        track("a", email="info@track.com"),
        track("b", email="first.last+races@club.example.co.uk"),
        track("c", email="Race.Director@Example.ORG"),
        track("d", email="kontakt@rennstrecke-köln.de"),
    )
    assert email_findings(tracks) == []


@pytest.mark.parametrize(
    "email", ["info@@x..com", "no-at-sign", "two words@example.com", "info@example", "@example.com"]
)
def test_malformed_email_addresses_are_findings_naming_the_address(email: str) -> None:
    found = problems(email_findings(frame(track("ok"), track("bad", email=email))))
    assert list(found) == ["bad"]
    assert repr(email) in found["bad"]


@pytest.mark.parametrize(
    "missing", [None, "", "   ", np.nan], ids=["none", "empty", "blank", "nan"]
)
def test_an_absent_email_address_is_not_a_finding(missing: Any) -> None:
    assert email_findings(frame(track("quiet", email=missing))) == []


def test_email_rules_hold_on_the_stores_nullable_dtypes() -> None:
    tracks = as_stored(frame(track("none", email=None), track("bad", email="no-at-sign")))
    assert list(problems(email_findings(tracks))) == ["bad"]


# --- Completeness ---


def test_completeness_reports_the_share_of_tracks_with_each_field() -> None:
    tracks = frame(
        track("full"),
        track("no-coords", latitude=None, longitude=None, email=None),
        track("half-coords", longitude=np.nan, phone="", website="   "),
        track("bare", latitude=None, longitude=None, email=None, phone=None, website=None),
    )
    assert completeness(tracks) == {"coordinates": 0.25, "email": 0.5, "phone": 0.5, "website": 0.5}


def test_completeness_counts_presence_not_validity() -> None:
    tracks = frame(track("null", latitude=0.0, longitude=0.0, email="no-at-sign"))
    assert completeness(tracks) == {"coordinates": 1.0, "email": 1.0, "phone": 1.0, "website": 1.0}


def test_completeness_shares_are_rounded_to_four_places() -> None:
    tracks = frame(track("a"), track("b", phone=None), track("c", phone=None))
    shares = completeness(tracks)
    assert shares["phone"] == 0.3333
    assert shares["website"] == 1.0


def test_completeness_treats_the_stores_missing_values_as_absent() -> None:
    tracks = as_stored(
        frame(
            track("full"),
            track("bare", latitude=None, longitude=None, email=None, phone=None, website=None),
            track("half", longitude=None, email="", phone="  "),
        )
    )
    assert completeness(tracks) == {
        "coordinates": 0.3333,
        "email": 0.3333,
        "phone": 0.3333,
        "website": 0.6667,
    }


def test_completeness_of_an_empty_catalogue_is_zero_for_every_field() -> None:
    assert completeness(frame()) == dict.fromkeys(COMPLETENESS_FIELDS, 0.0)
