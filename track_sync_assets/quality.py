"""Data-quality rules over the catalogue, shared by the asset checks and the report.

Pure functions over the ``tracks`` table as a DataFrame; no Dagster, no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from email_validator import EmailNotValidError, validate_email

from track_sync_assets.geocoding.validation import validate_coordinates

COMPLETENESS_FIELDS: dict[str, tuple[str, ...]] = {
    "coordinates": ("latitude", "longitude"),
    "email": ("email",),
    "phone": ("phone",),
    "website": ("website",),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One track breaking one rule."""

    slug: str
    problem: str


def _present(value: Any) -> bool:
    """False for None, NaN, ``pd.NA`` (the store's nullable dtypes) and blank text."""
    if isinstance(value, str):
        return bool(value.strip())
    return not (pd.api.types.is_scalar(value) and pd.isna(value))


def _rows(frame: pd.DataFrame, columns: Iterable[str]) -> Iterable[dict[str, Any]]:
    wanted = ["slug", *columns]
    for record in frame[wanted].to_dict("records"):
        yield {k: (None if not _present(v) else v) for k, v in record.items()}


def coordinate_findings(frame: pd.DataFrame) -> list[Finding]:
    """Tracks whose coordinates break a rule: ranges, both or neither, not (0, 0),
    inside the track's stated country."""
    findings = []
    for row in _rows(frame, ("latitude", "longitude", "country_code")):
        problem = validate_coordinates(row["latitude"], row["longitude"], row["country_code"])
        if problem is not None:
            findings.append(Finding(row["slug"], problem))
    return findings


def email_findings(frame: pd.DataFrame) -> list[Finding]:
    """Tracks whose e-mail address is not valid syntax (no network look-ups)."""
    findings = []
    for row in _rows(frame, ("email",)):
        email = row["email"]
        if email is None:
            continue
        try:
            validate_email(str(email), check_deliverability=False)
        except EmailNotValidError as exc:
            findings.append(Finding(row["slug"], f"{email!r}: {exc}"))
    return findings


def completeness(frame: pd.DataFrame) -> dict[str, float]:
    """Share (0..1) of tracks with coordinates, e-mail, phone and website."""
    total = len(frame)
    shares = {}
    for name, columns in COMPLETENESS_FIELDS.items():
        if total == 0:
            shares[name] = 0.0
            continue
        present = frame[list(columns)].map(_present).all(axis=1).sum()
        shares[name] = round(float(present) / total, 4)
    return shares
