"""Builders of domain objects for the store's tests (realistic LiveRC-like values)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from track_sync_assets.domain import (
    Activity,
    DashboardFetch,
    FetchOutcome,
    Geocode,
    GeocodePrecision,
    TrackDashboard,
    TrackListing,
    Validators,
)

DAY_ONE = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    """06:00 UTC on day ``n`` (day 0 is 2026-03-01)."""
    return DAY_ONE + timedelta(days=n)


def listing(slug: str, **overrides: Any) -> TrackListing:
    values: dict[str, Any] = {
        "slug": slug,
        "name": f"{slug.title()} Raceway",
        "track_url": f"https://{slug}.liverc.com/",
        "activity": Activity.OFFLINE,
        "has_live_video": False,
        "is_featured": False,
        "last_updated_text": "3 days ago",
        "latest_event_name": "Winter Series Rd 1",
    }
    values.update(overrides)
    return TrackListing(**values)


def listings(*slugs: str) -> list[TrackListing]:
    return [listing(slug) for slug in slugs]


def dashboard(slug: str, **overrides: Any) -> TrackDashboard:
    values: dict[str, Any] = {
        "name": f"{slug.title()} Raceway",
        "street_address": "5320 US 301",
        "city": "Lucama",
        "state": "NC",
        "postal_code": "27851",
        "country": "United States",
        "country_code": "US",
        "phone": "(919) 555-0100",
        "phone_e164": "+19195550100",
        "website": f"https://{slug}.example.com",
        "email": f"info@{slug}.example.com",
        "description": "Outdoor off-road track.\nOpen Saturdays.",
        "logo_url": f"https://assets.livetimescoring.com/track_logos/7/{slug}.png",
        "facebook_url": "https://www.facebook.com/groups/example",
        "total_laps": 230_327,
        "total_practice_sessions": 8_405,
        "total_races": 1_894,
        "total_entries": 3_132,
        "total_events": 102,
        "is_live": False,
        "results_this_month": 30,
        "sessions_this_month": 1,
        "videos_this_month": 0,
    }
    values.update(overrides)
    return TrackDashboard(**values)


def fetched(
    slug: str,
    at: datetime,
    board: TrackDashboard | None = None,
    *,
    etag: str | None = None,
    content_hash: str | None = None,
) -> DashboardFetch:
    """An OK fetch of ``slug`` (a default dashboard unless given)."""
    return DashboardFetch(
        slug=slug,
        url=f"https://{slug}.liverc.com/",
        outcome=FetchOutcome.OK,
        fetched_at=at,
        validators=Validators(etag=etag or f'W/"{slug}-{at:%d}"', content_hash=content_hash),
        dashboard=board if board is not None else dashboard(slug),
        status_code=200,
    )


def not_fetched(
    slug: str,
    at: datetime,
    outcome: FetchOutcome,
    *,
    reason: str | None = None,
    status_code: int | None = None,
    validators: Validators | None = None,
) -> DashboardFetch:
    """A fetch that brought no parse (failed, not modified, disallowed, gone)."""
    default_reason = {
        FetchOutcome.FAILED: "HTTP 500 after 4 attempts",
        FetchOutcome.DISALLOWED: "robots.txt disallows /",
        FetchOutcome.GONE: "HTTP 404",
    }.get(outcome)
    return DashboardFetch(
        slug=slug,
        url=f"https://{slug}.liverc.com/",
        outcome=outcome,
        fetched_at=at,
        validators=validators or Validators(),
        status_code=status_code,
        reason=reason or default_reason,
        attempts=4 if outcome is FetchOutcome.FAILED else 1,
    )


def geocode(latitude: float = 35.6, longitude: float = -77.9) -> Geocode:
    return Geocode(
        latitude=latitude,
        longitude=longitude,
        precision=GeocodePrecision.STREET,
        geocoder="offline",
    )


def renamed(item: TrackListing, name: str) -> TrackListing:
    return replace(item, name=name)
