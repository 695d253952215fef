"""Typed, frozen domain models shared by every layer.

Nothing here knows about HTTP, databases or Dagster: the parsers produce these
models, the client wraps them in fetch outcomes, the store persists them and
the Dagster layer wires them together.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

LIVERC_TRACK_URL_TEMPLATE = "https://{slug}.liverc.com/"
"""A track's URL on the real LiveRC: every track is its own host. The one place its
shape is written (the parsers, the client's default and the simulator use it)."""


def liverc_track_url(slug: str) -> str:
    """``https://{slug}.liverc.com/`` for a slug already checked to be letters and digits."""
    return LIVERC_TRACK_URL_TEMPLATE.replace("{slug}", slug)


class Activity(StrEnum):
    """What a track is doing, from the track list's status icon."""

    RACING = "racing"
    PRACTISING = "practising"
    OFFLINE = "offline"


class FieldKind(StrEnum):
    """Whether a change to a field is a catalogue change or daily drift."""

    CATALOGUE = "catalogue"
    """Name, address, contacts, logo, description: changes are reported one by one."""

    VOLATILE = "volatile"
    """Activity, relative 'last updated' text, counters: refreshed silently, only counted."""


@dataclass(frozen=True, slots=True)
class TrackListing:
    """One row of LiveRC's track list (https://live.liverc.com/)."""

    slug: str
    """As published (case kept); compare with :attr:`slug_key`."""
    name: str
    """Exactly as published, internal double spaces kept."""
    track_url: str
    """The track's dashboard URL, always ``https://{slug}.liverc.com/``."""
    activity: Activity
    has_live_video: bool
    is_featured: bool
    last_updated_text: str | None
    latest_event_name: str | None

    @property
    def slug_key(self) -> str:
        """The case-insensitive natural key of the track."""
        return self.slug.lower()

    @property
    def display_name(self) -> str:
        """The name with runs of white space folded, for display only."""
        return " ".join(self.name.split())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (the keys of ``track-sync parse list``)."""
        data = dataclasses.asdict(self)
        data["activity"] = self.activity.value
        return data


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row of the track list that could not be read (the other rows still count)."""

    row: int
    """Its 1-based position among the table's body rows."""
    reason: str
    """One line, e.g. ``track link '//ʻbphsrc.liverc.com/' is not //{slug}.liverc.com/``."""
    slug: str | None = None
    """The valid slug of its link when it could be read (the track is listed, its row is not
    readable): such a track must not be taken for departed."""
    link: str | None = None
    """The name cell's link (``href``) as published, shortened to 200 characters."""
    name: str | None = None
    """The name text as published, shortened to 200 characters."""

    @property
    def message(self) -> str:
        """One line: ``row 7914: track link ...`` or ``row 2 (7SeasRC): no video icon ...``."""
        slug = f" ({self.slug})" if self.slug else ""
        return f"row {self.row}{slug}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (run metadata, snapshots, the CLI)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RejectedRow:
        """The inverse of :meth:`to_dict`."""
        return cls(**{name: data.get(name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class TrackDashboard:
    """What a track's dashboard page (https://{slug}.liverc.com/) says about it."""

    name: str
    street_address: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None
    """Full country name as shown in the About block."""
    country_code: str | None
    """ISO 3166 alpha-2, from the map query (the only place LiveRC states it)."""
    phone: str | None
    phone_e164: str | None
    website: str | None
    email: str | None
    description: str | None
    logo_url: str | None
    facebook_url: str | None
    total_laps: int | None
    total_practice_sessions: int | None
    total_races: int | None
    total_entries: int | None
    total_events: int | None
    is_live: bool | None
    results_this_month: int | None
    sessions_this_month: int | None
    videos_this_month: int | None
    discrepancies: tuple[str, ...] = field(default=(), compare=False)
    """Cross-check disagreements found while parsing (e.g. two e-mail forms differ)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (the keys of ``track-sync parse dashboard``)."""
        data = dataclasses.asdict(self)
        data.pop("discrepancies")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrackDashboard:
        """Inverse of :meth:`to_dict` (unknown keys are ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        if "discrepancies" in values:
            values["discrepancies"] = tuple(values["discrepancies"])
        return cls(**values)


# --- Field classification: the one place that says what is catalogue and what is drift. ---

LISTING_FIELDS: dict[str, FieldKind] = {
    "name": FieldKind.CATALOGUE,
    "track_url": FieldKind.CATALOGUE,
    "activity": FieldKind.VOLATILE,
    "has_live_video": FieldKind.VOLATILE,
    "is_featured": FieldKind.VOLATILE,
    "last_updated_text": FieldKind.VOLATILE,
    "latest_event_name": FieldKind.VOLATILE,
}
"""Track-list fields stored on ``tracks`` (the slug is the key, not a field)."""

DASHBOARD_FIELDS: dict[str, FieldKind] = {
    "street_address": FieldKind.CATALOGUE,
    "city": FieldKind.CATALOGUE,
    "state": FieldKind.CATALOGUE,
    "postal_code": FieldKind.CATALOGUE,
    "country": FieldKind.CATALOGUE,
    "country_code": FieldKind.CATALOGUE,
    "phone": FieldKind.CATALOGUE,
    "phone_e164": FieldKind.CATALOGUE,
    "website": FieldKind.CATALOGUE,
    "email": FieldKind.CATALOGUE,
    "description": FieldKind.CATALOGUE,
    "logo_url": FieldKind.CATALOGUE,
    "facebook_url": FieldKind.CATALOGUE,
    "total_laps": FieldKind.VOLATILE,
    "total_practice_sessions": FieldKind.VOLATILE,
    "total_races": FieldKind.VOLATILE,
    "total_entries": FieldKind.VOLATILE,
    "total_events": FieldKind.VOLATILE,
    "is_live": FieldKind.VOLATILE,
    "results_this_month": FieldKind.VOLATILE,
    "sessions_this_month": FieldKind.VOLATILE,
    "videos_this_month": FieldKind.VOLATILE,
}
"""Dashboard fields stored on ``tracks``. The dashboard's ``name`` is stored as
``dashboard_name`` (catalogue); the listing's name stays the track's name."""

GEOCODE_FIELDS: dict[str, FieldKind] = {
    "latitude": FieldKind.CATALOGUE,
    "longitude": FieldKind.CATALOGUE,
    "geocode_precision": FieldKind.CATALOGUE,
    "geocoder": FieldKind.CATALOGUE,
}
"""Coordinates derived from the address by the geocoder."""

TRACK_FIELDS: dict[str, FieldKind] = {
    **LISTING_FIELDS,
    "dashboard_name": FieldKind.CATALOGUE,
    **DASHBOARD_FIELDS,
    **GEOCODE_FIELDS,
}
"""Every synced field of the ``tracks`` table and its kind."""

CATALOGUE_FIELDS: frozenset[str] = frozenset(
    name for name, kind in TRACK_FIELDS.items() if kind is FieldKind.CATALOGUE
)
VOLATILE_FIELDS: frozenset[str] = frozenset(
    name for name, kind in TRACK_FIELDS.items() if kind is FieldKind.VOLATILE
)


# --- Fetching: every dashboard fetch ends in exactly one outcome. ---


class FetchOutcome(StrEnum):
    """The single outcome of one page fetch."""

    OK = "ok"
    """Fetched and parsed."""
    NOT_MODIFIED = "not_modified"
    """304, or a body whose content hash equals the stored one: nothing to parse."""
    GONE = "gone"
    """404/410: the page no longer exists (not the same as empty metadata)."""
    DISALLOWED = "disallowed"
    """robots.txt forbids the URL (or robots.txt could not be read: 'not now')."""
    FAILED = "failed"
    """Anything else after the retries, with a reason."""


@dataclass(frozen=True, slots=True)
class Validators:
    """What a caller stores per URL so the next fetch can be conditional."""

    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None


@dataclass(frozen=True, slots=True)
class DashboardFetch:
    """The outcome of fetching (and parsing) one track's dashboard."""

    slug: str
    url: str
    outcome: FetchOutcome
    fetched_at: datetime
    validators: Validators
    """Validators to store for the next run (the previous ones on 304/failure)."""
    dashboard: TrackDashboard | None = None
    """Set only when ``outcome`` is OK."""
    status_code: int | None = None
    reason: str | None = None
    """Why it failed, was disallowed or is gone (None when OK / not modified)."""
    attempts: int = 1
    elapsed_s: float = 0.0

    @property
    def slug_key(self) -> str:
        return self.slug.lower()


# --- Geocoding. ---


class GeocodePrecision(StrEnum):
    """How precisely an address was located, finest first."""

    STREET = "street"
    POSTAL = "postal"
    CITY = "city"
    REGION = "region"
    COUNTRY = "country"


@dataclass(frozen=True, slots=True)
class Address:
    """A track's structured postal address, as parsed from its dashboard."""

    street_address: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country_code: str | None
    """ISO 3166 alpha-2."""

    def normalized_key(self) -> str:
        """A stable key for the geocode cache: case and white space folded."""
        parts = (self.street_address, self.city, self.state, self.postal_code, self.country_code)
        return "|".join(" ".join((p or "").split()).casefold() for p in parts)

    @classmethod
    def of(cls, dashboard: TrackDashboard) -> Address:
        return cls(
            street_address=dashboard.street_address,
            city=dashboard.city,
            state=dashboard.state,
            postal_code=dashboard.postal_code,
            country_code=dashboard.country_code,
        )


@dataclass(frozen=True, slots=True)
class Geocode:
    """Coordinates found for an address (or the reason none are stored)."""

    latitude: float | None
    longitude: float | None
    precision: GeocodePrecision | None
    geocoder: str
    """Which implementation answered: ``offline`` or ``nominatim``."""
    rejected_reason: str | None = None
    """Set when a result was found but rejected (out of range, outside the country)."""

    @property
    def found(self) -> bool:
        return self.latitude is not None and self.longitude is not None
