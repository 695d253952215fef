"""The inputs of one sync, checked and converted before anything is written.

``dashboards`` may hold, per slug key, a :class:`DashboardFetch` (this run's outcome) or a
:class:`DashboardState` (the raw layer's latest attempt plus latest good parse). Either
becomes a :class:`DashboardUpdate`: the attempt, and a parse only when there is a good one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from track_sync_assets.domain import (
    DASHBOARD_FIELDS,
    Activity,
    DashboardFetch,
    FetchOutcome,
    Geocode,
    GeocodePrecision,
    TrackDashboard,
    TrackListing,
    Validators,
)
from track_sync_assets.store.raw import DashboardState
from track_sync_assets.store.schema import as_utc


@dataclass(frozen=True, slots=True)
class DashboardUpdate:
    """What one track's dashboard input may change: the attempt, and maybe a good parse."""

    outcome: FetchOutcome | None
    reason: str | None
    attempted_at: datetime | None
    validators: Validators | None
    """None: keep the stored validators (a failure brings none)."""
    dashboard: TrackDashboard | None
    parsed_at: datetime | None

    @classmethod
    def of(cls, value: DashboardState | DashboardFetch) -> DashboardUpdate:
        if isinstance(value, DashboardFetch):
            return cls._of_fetch(value)
        if isinstance(value, DashboardState):
            return cls._of_state(value)
        raise TypeError(
            f"dashboard inputs must be DashboardFetch or DashboardState, not {type(value)}"
        )

    @classmethod
    def _of_fetch(cls, fetch: DashboardFetch) -> DashboardUpdate:
        outcome = FetchOutcome(fetch.outcome)
        ok = outcome is FetchOutcome.OK
        if ok and fetch.dashboard is None:
            raise ValueError(f"dashboard fetch for {fetch.slug!r} is OK but carries no dashboard")
        fetched_at = as_utc(fetch.fetched_at)
        keeps_validators = outcome in (FetchOutcome.OK, FetchOutcome.NOT_MODIFIED)
        return cls(
            outcome=outcome,
            reason=fetch.reason,
            attempted_at=fetched_at,
            validators=fetch.validators if keeps_validators else None,
            dashboard=fetch.dashboard if ok else None,
            parsed_at=fetched_at if ok else None,
        )

    @classmethod
    def _of_state(cls, state: DashboardState) -> DashboardUpdate:
        if state.dashboard is not None and state.good_fetched_at is None:
            raise ValueError(f"dashboard state for {state.slug!r} has a parse but no fetch time")
        return cls(
            outcome=FetchOutcome(state.last_outcome),
            reason=state.last_reason,
            attempted_at=as_utc(state.last_attempt_at),
            validators=state.validators,
            dashboard=state.dashboard,
            parsed_at=as_utc(state.good_fetched_at) if state.good_fetched_at else None,
        )


@dataclass(frozen=True, slots=True)
class SyncInputs:
    """Validated, de-duplicated inputs of one sync, ready to compare."""

    listing_rows: dict[str, dict[str, Any]]
    """Listing column values by slug key, in list order."""
    dashboards: dict[str, DashboardUpdate]
    geocodes: dict[str, dict[str, Any]]
    now: datetime
    duplicate_slugs: tuple[str, ...] = ()


def listing_values(listing: TrackListing) -> dict[str, Any]:
    return {
        "slug": listing.slug,
        "name": listing.name,
        "track_url": listing.track_url,
        "activity": Activity(listing.activity).value,
        "has_live_video": listing.has_live_video,
        "is_featured": listing.is_featured,
        "last_updated_text": listing.last_updated_text,
        "latest_event_name": listing.latest_event_name,
    }


def dashboard_values(dashboard: TrackDashboard) -> dict[str, Any]:
    values = {name: getattr(dashboard, name) for name in DASHBOARD_FIELDS}
    values["dashboard_name"] = dashboard.name
    return values


def geocode_values(geocode: Geocode) -> dict[str, Any]:
    return {
        "latitude": geocode.latitude,
        "longitude": geocode.longitude,
        "geocode_precision": (
            GeocodePrecision(geocode.precision).value if geocode.precision else None
        ),
        "geocoder": geocode.geocoder,
    }


def prepare_inputs(
    listings: Sequence[TrackListing],
    dashboards: Mapping[str, DashboardState | DashboardFetch],
    geocodes: Mapping[str, Geocode],
    now: datetime,
) -> SyncInputs:
    """Check and convert the inputs before anything is written (bad input: ValueError)."""
    listing_rows: dict[str, dict[str, Any]] = {}
    duplicates: list[str] = []
    for listing in listings:
        key = listing.slug_key
        if not key:
            raise ValueError(f"a listing has an empty slug: {listing!r}")
        if key in listing_rows:
            duplicates.append(listing.slug)
            continue
        listing_rows[key] = listing_values(listing)
    return SyncInputs(
        listing_rows=listing_rows,
        dashboards={key.lower(): DashboardUpdate.of(value) for key, value in dashboards.items()},
        geocodes={key.lower(): geocode_values(geocode) for key, geocode in geocodes.items()},
        now=as_utc(now),
        duplicate_slugs=tuple(duplicates),
    )
