"""What the simulator serves, one day at a time: ``SimTrack`` (the ground truth of one
track) and ``Catalogue`` (every track of one day), plus LiveRC's relative-time wording."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from track_sync_assets.domain import Activity, TrackDashboard, TrackListing, liverc_track_url

FIRST_DATE = date(2025, 12, 16)
"""The calendar date of day 1."""
SNAPSHOT_TIME = time(12, 0, tzinfo=UTC)
"""A simulated day is the state of LiveRC at noon UTC."""
TRUTH_FIELDS = (
    "name", "street_address", "city", "state", "postal_code", "country", "country_code",
    "phone", "phone_e164", "website", "email", "description", "logo_url", "facebook_url",
    "latitude", "longitude",
)  # fmt: skip
"""The catalogue fields of the ground truth (what a fully synced catalogue must hold)."""
LIST_WINDOW_DAYS = 90
"""Featured tracks idle for longer than this sit at the tail of the list."""


@dataclass(frozen=True, slots=True)
class SimTrack:
    """One simulated track on one day: the ground truth its pages are rendered from."""

    slug: str
    name: str
    listed: bool
    """On the track list this day (departed and dormant tracks still answer their page)."""
    activity: Activity
    has_live_video: bool
    is_featured: bool
    last_updated_text: str
    latest_event_name: str | None
    street_address: str
    city: str
    state: str | None
    postal_code: str
    country: str
    country_code: str
    latitude: float
    """The city's latitude: what a geocoder should find for the address."""
    longitude: float
    phone: str | None
    """As typed; None is shown as ``N/A``."""
    phone_e164: str | None
    website: str
    email: str
    description: str | None
    logo_url: str | None
    facebook_url: str | None
    facebook_panel: str | None
    """``page`` (Facebook Page panel), ``feed`` (Facebook Feed panel) or None."""
    total_laps: int
    total_practice_sessions: int
    total_races: int
    total_entries: int
    total_events: int
    results_this_month: int
    sessions_this_month: int
    videos_this_month: int
    idle_minutes: int
    """Minutes since the track's last activity (0 while live)."""
    page_changed_day: int
    """The last day the dashboard page changed (may be <= 0: before day 1)."""

    @property
    def slug_key(self) -> str:
        return self.slug.lower()

    @property
    def is_live(self) -> bool:
        return self.activity is not Activity.OFFLINE

    @property
    def locality_line(self) -> str:
        """``City, ST 12345`` with a state, ``City 02604`` without."""
        if self.state:
            return f"{self.city}, {self.state} {self.postal_code}"
        return f"{self.city} {self.postal_code}"

    @property
    def map_query(self) -> str:
        """The Track Map iframe's ``q=`` value (not URL-encoded, ``+`` before the postal code)."""
        return (
            f"{self.street_address},{self.city},{self.state or ''}+{self.postal_code},"
            f"{self.country_code}"
        )

    def listing(self) -> TrackListing:
        """What a correct parser reads from this track's track-list row."""
        return TrackListing(
            slug=self.slug,
            name=self.name,
            track_url=liverc_track_url(self.slug),
            activity=self.activity,
            has_live_video=self.has_live_video,
            is_featured=self.is_featured,
            last_updated_text=self.last_updated_text,
            latest_event_name=self.latest_event_name,
        )

    def dashboard(self) -> TrackDashboard:
        """What a correct parser reads from this track's dashboard page."""
        return TrackDashboard(
            name=self.name,
            street_address=self.street_address,
            city=self.city,
            state=self.state,
            postal_code=self.postal_code,
            country=self.country,
            country_code=self.country_code,
            phone=self.phone,
            phone_e164=self.phone_e164,
            website=self.website,
            email=self.email,
            description=self.description,
            logo_url=self.logo_url,
            facebook_url=self.facebook_url,
            total_laps=self.total_laps,
            total_practice_sessions=self.total_practice_sessions,
            total_races=self.total_races,
            total_entries=self.total_entries,
            total_events=self.total_events,
            is_live=self.is_live,
            results_this_month=self.results_this_month,
            sessions_this_month=self.sessions_this_month,
            videos_this_month=self.videos_this_month,
        )


SIM_TRACK_FIELDS = tuple(f.name for f in dataclasses.fields(SimTrack))
_NOT_ON_PAGE = frozenset(
    {
        "listed", "has_live_video", "is_featured", "last_updated_text", "latest_event_name",
        "latitude", "longitude", "idle_minutes", "page_changed_day", "activity",
    }
)  # fmt: skip
PAGE_FIELDS = (*(name for name in SIM_TRACK_FIELDS if name not in _NOT_ON_PAGE), "is_live")
"""What the dashboard page shows: a change to any of these changes the page."""


@dataclass(frozen=True)
class Catalogue:
    """Every simulated track on one day; iterating yields the listed ones in list order."""

    seed: int
    size: int
    day: int
    listed: tuple[SimTrack, ...]
    tracks: Mapping[str, SimTrack]
    """Every known track (listed, departed, dormant) by lower-case slug."""
    arrived: tuple[str, ...] = ()
    """Slugs that joined the list on this day (empty on day 1)."""
    departed: tuple[str, ...] = ()
    """Slugs that left the list on this day."""
    changed: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    """Slug -> catalogue fields changed on this day."""

    @property
    def date(self) -> date:
        return day_date(self.day)

    def __iter__(self) -> Iterator[SimTrack]:
        return iter(self.listed)

    def __len__(self) -> int:
        return len(self.listed)

    def __getitem__(self, slug: str) -> SimTrack:
        return self.tracks[slug.lower()]

    def __contains__(self, slug: object) -> bool:
        return isinstance(slug, str) and slug.lower() in self.tracks

    def get(self, slug: str) -> SimTrack | None:
        return self.tracks.get(slug.lower())

    def listings(self) -> tuple[TrackListing, ...]:
        """The track list's rows as a correct parser reads them, in order."""
        return tuple(track.listing() for track in self.listed)

    @property
    def snapshot_at(self) -> datetime:
        """The instant the day's pages show (noon UTC)."""
        return datetime.combine(self.date, SNAPSHOT_TIME)

    def last_activity_at(self, track: SimTrack) -> datetime:
        """When ``track`` last had activity (the snapshot instant while it is live)."""
        return self.snapshot_at - timedelta(minutes=track.idle_minutes)

    def truth(self) -> dict[str, Any]:
        """The day's ground truth, JSON-ready: every known track's catalogue fields, listing
        state and last activity, sorted by slug key (for benchmarks comparing a catalogue)."""
        return {
            "seed": self.seed,
            "size": self.size,
            "day": self.day,
            "date": self.date.isoformat(),
            "snapshot_at": self.snapshot_at.isoformat(),
            "listed": len(self.listed),
            "arrived": list(self.arrived),
            "departed": list(self.departed),
            "changed": {slug: list(fields) for slug, fields in sorted(self.changed.items())},
            "tracks": [
                {
                    "slug": track.slug,
                    "listed": track.listed,
                    **{name: getattr(track, name) for name in TRUTH_FIELDS},
                    "activity": track.activity.value,
                    "last_activity_at": self.last_activity_at(track).isoformat(),
                    "last_updated_text": track.last_updated_text,
                    "page_changed_day": track.page_changed_day,
                }
                for _, track in sorted(self.tracks.items())
            ],
        }


def day_date(day: int) -> date:
    """The calendar date of a simulated day."""
    return FIRST_DATE + timedelta(days=day - 1)


def relative_text(idle_minutes: int) -> str:
    """LiveRC's relative 'last updated' text for an idle time."""
    minutes = max(idle_minutes, 1)
    if minutes < 60:
        return "1 minute ago" if minutes == 1 else f"{minutes} minutes ago"
    hours = minutes // 60
    if hours < 24:
        return "1 hour ago" if hours == 1 else f"{hours} hours ago"
    days = hours // 24
    if days < 2:
        return "Yesterday"
    if days < 7:
        return f"{days} days ago"
    if days < 14:
        return "last week"
    if days < 30:
        return f"{days // 7} weeks ago"
    if days < 60:
        return "last month"
    if days < 365:
        return f"{days // 30} months ago"
    if days < 730:
        return "last year"
    return f"{days // 365} years ago"
