"""The simulated LiveRC catalogue: deterministic tracks and their day-by-day evolution.

Day 1 is generated from the seed; day ``d`` is reached by replaying days
``2..d``, each driven by its own random stream ``(seed, day)``, so any day is
reproducible from ``(seed, tracks, day)`` alone. A simulated day is a daily
sync snapshot taken at noon UTC, day 1 being 2025-12-16 (the real capture).

Activity follows the real list of 2025-12-16: each track has a daily chance of
activity drawn from ``RATE_CLASSES`` (busy clubs, weekly and fortnightly ones, rare
ones), fitted so that the stationary spread of "last updated" texts matches the
capture (about a third of the list active within a day). Each day: every track ages
one day; each listed track has activity with its daily chance (~12% of the list live
at the snapshot, the rest earlier that day), and only those tracks' counters, latest
event and activity change; ~0.5% of the listed tracks, among the longest idle, leave
the list; a few arrive (new tracks, or dormant ones coming back) so the list stays
within 10 rows of its configured size; independently of activity, a share
``change_rate`` (default 0.3%) of the listed tracks change a catalogue field (name,
contacts, address...); monthly counters restart on the 1st of a month.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection
from types import MappingProxyType

from track_sync_assets.domain import Activity
from track_sync_assets.simulator import geography, names
from track_sync_assets.simulator.tracks import (
    LIST_WINDOW_DAYS,
    PAGE_FIELDS,
    SIM_TRACK_FIELDS,
    Catalogue,
    SimTrack,
    day_date,
    relative_text,
)

DEPARTURE_CHANCE = 0.5
"""Daily chance that a track idle for longer than ``LIST_DAYS`` leaves the list."""
CHANGE_RATE = 0.003
"""Default share of listed tracks changing a catalogue field each day."""
RACING_SHARE = 0.0175
PRACTISING_SHARE = 0.098
RATE_CLASSES: tuple[tuple[float, float], ...] = (
    (0.31, 0.95),
    (0.13, 0.15),
    (0.08, 0.07),
    (0.17, 0.009),
    (0.31, 0.004),
)
"""(share of tracks, daily chance of activity), fitted to the 2025-12-16 list's texts."""
ARRIVAL_RATE_CLASSES: tuple[tuple[float, float], ...] = ((0.25, 0.009), (0.75, 0.004))
"""Arrivals replace tracks idle beyond the window: rare ones, so the mix stays stationary."""
LIST_DAYS = 95
"""Day 1's idle times are drawn within this many days (the list's rolling window)."""
FEATURED_SHARE = 0.0092
DORMANT_SHARE = 0.05
"""Tracks known on day 1 but not listed (they can come back); their pages still answer."""
MAX_SHORTFALL = 10
"""The list never has more than this many rows fewer than the configured size."""
VARIETY_MIN_TRACKS = 100
"""With at least this many tracks, every markup variant is guaranteed to occur."""

REPORTED_FIELDS = (
    "name", "street_address", "city", "state", "postal_code", "phone", "phone_e164", "website",
    "email", "description", "logo_url", "facebook_url",
)  # fmt: skip
"""Catalogue fields a daily change can touch, as named in ``Catalogue.changed``."""
CATALOGUE_CHANGE_FIELDS = (
    "name", "phone", "website", "email", "street_address", "city", "description", "logo_url",
    "facebook_url",
)  # fmt: skip


class _Track:
    """The mutable state of one track while the days are replayed."""

    __slots__ = (*SIM_TRACK_FIELDS, "has_events", "rate", "video_gear")

    def freeze(self) -> SimTrack:
        values = {name: getattr(self, name) for name in SIM_TRACK_FIELDS}
        values["last_updated_text"] = (
            "1 minute ago"
            if self.activity is not Activity.OFFLINE
            else relative_text(self.idle_minutes)
        )
        return SimTrack(**values)

    def page_signature(self) -> tuple[object, ...]:
        return tuple(
            self.activity is not Activity.OFFLINE if name == "is_live" else getattr(self, name)
            for name in PAGE_FIELDS
        )


def _rng(seed: int, day: int, purpose: str) -> random.Random:
    return random.Random(f"track-sync-simulator/{seed}/{day}/{purpose}")


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return low * (high / low) ** rng.random()


def _new_track(
    rng: random.Random,
    taken: set[str],
    day: int,
    *,
    names_taken: set[str] | None = None,
) -> _Track:
    """A freshly generated track (not listed, idle; the caller places it)."""
    city = geography.pick_city(rng)
    track = _Track()
    track.name = names.track_name(rng, city.name)
    if names_taken is not None:  # names repeat only where the catalogue makes them
        for _ in range(20):
            if track.name.casefold() not in names_taken:
                break
            track.name = names.track_name(rng, city.name)
        else:
            track.name = f"{track.name} {city.name}"
        names_taken.add(track.name.casefold())
    track.slug = names.unique_slug(names.slugify(rng, track.name), taken)
    track.listed = False
    track.activity = Activity.OFFLINE
    track.has_live_video = False
    track.is_featured = False
    track.last_updated_text = ""
    track.has_events = rng.random() >= 0.04
    track.latest_event_name = (
        names.event_name(rng, day_date(day).year, city.country_code) if track.has_events else None
    )
    _place(track, rng, city)
    if rng.random() < 0.12:
        track.phone, track.phone_e164 = None, None
    else:
        track.phone, track.phone_e164 = geography.phone_number(rng, city.country_code)
    track.website = names.website_for(rng, track.slug)
    track.email = names.email_for(rng, track.slug, track.website)
    track.description = names.description(rng) if rng.random() < 0.5 else None
    track.logo_url = names.logo_url(rng, track.slug) if rng.random() < 0.7 else None
    roll = rng.random()
    track.facebook_panel = "feed" if roll < 0.35 else "page" if roll < 0.5 else None
    track.facebook_url = (
        names.facebook_url(rng, track.slug, track.facebook_panel) if track.facebook_panel else None
    )
    track.rate = _daily_rate(rng.random(), rng.uniform(0.85, 1.15))
    track.video_gear = rng.random() < 0.25
    events = int(_log_uniform(rng, 1, 900)) if track.has_events else 0
    track.total_events = events
    track.total_races = int(events * rng.uniform(12, 28))
    track.total_entries = int(track.total_races * rng.uniform(1.3, 2.2))
    track.total_practice_sessions = int(_log_uniform(rng, 5, 120_000))
    track.total_laps = int(
        track.total_practice_sessions * rng.uniform(15, 50)
        + track.total_races * rng.uniform(40, 90)
    )
    track.results_this_month = track.sessions_this_month = track.videos_this_month = 0
    track.idle_minutes = int(_log_uniform(rng, 60, 200 * 1440))
    track.page_changed_day = day - track.idle_minutes // 1440
    return track


def _daily_rate(
    pick: float, jitter: float, classes: tuple[tuple[float, float], ...] = RATE_CLASSES
) -> float:
    """A daily chance of activity from ``classes`` (``pick`` uniform in 0..1)."""
    for share, rate in classes:
        if pick < share:
            return min(rate * jitter, 0.98)
        pick -= share
    return min(classes[-1][1] * jitter, 0.98)


def _idle_days(rate: float, draw: float, window: int) -> int:
    """Days since the last activity of a track with this daily ``rate``, in its steady state
    (a geometric law truncated to ``window`` days; ``draw`` uniform in 0..1)."""
    keep = 1 - (1 - rate) ** window
    return min(int(math.log(1 - draw * keep) / math.log(1 - rate)), window - 1)


def _place(track: _Track, rng: random.Random, city: geography.City) -> None:
    track.street_address = geography.street_line(rng)
    track.city = city.name
    track.state = city.state
    track.postal_code = geography.postal_code(rng, city)
    track.country = city.country
    track.country_code = city.country_code
    track.latitude = city.latitude
    track.longitude = city.longitude


def _change(track: _Track, field: str, rng: random.Random) -> None:
    """Redraw one catalogue field of a track (a city change moves the whole address)."""
    if field == "name":
        track.name = f"{track.name} {rng.choice(('Raceway', 'RC', 'Hobbies', 'Park'))}"
    elif field == "phone":
        track.phone, track.phone_e164 = geography.phone_number(rng, track.country_code)
    elif field == "website":
        track.website = names.website_for(rng, track.slug + rng.choice(("club", "racing")))
    elif field == "email":
        track.email = names.email_for(rng, track.slug, track.website)
    elif field == "street_address":
        track.street_address = geography.street_line(rng)
    elif field == "city":
        _place(track, rng, geography.pick_city(rng, track.country_code))
    elif field == "description":
        track.description = names.description(rng)
    elif field == "logo_url":
        track.logo_url = names.logo_url(rng, track.slug)
    elif field == "facebook_url":
        track.facebook_panel = track.facebook_panel or "feed"
        track.facebook_url = names.facebook_url(rng, track.slug, track.facebook_panel)


class Evolver:
    """Builds day 1 from the seed and replays later days; snapshots are immutable."""

    def __init__(self, seed: int, size: int, change_rate: float = CHANGE_RATE) -> None:
        if size < 1:
            raise ValueError(f"the catalogue needs at least one track, not {size}")
        if not 0 <= change_rate <= 1:
            raise ValueError(f"change_rate must be between 0 and 1, not {change_rate}")
        self.seed = seed
        self.size = size
        self.change_rate = change_rate
        self.day = 1
        self._taken: set[str] = set()
        self._names: set[str] = set()
        self._tracks: dict[str, _Track] = {}
        self._arrived: list[str] = []
        self._departed: list[str] = []
        self._changed: dict[str, tuple[str, ...]] = {}
        self._generate_day_one()

    # --- day 1 ---

    def _generate_day_one(self) -> None:
        rng = _rng(self.seed, 1, "generate")
        for _ in range(self.size):
            self._add(_new_track(rng, self._taken, 1, names_taken=self._names), listed=True)
        if self.size >= VARIETY_MIN_TRACKS:
            self._force_variety(rng)
        listed = [t for t in self._tracks.values() if t.listed]
        for track in rng.sample(listed, max(1, round(self.size * FEATURED_SHARE))):
            track.is_featured = True
            if rng.random() < 0.7:
                track.idle_minutes = int(rng.uniform(150, 500) * 1440)
        for track in listed:  # each track in its steady state (see RATE_CLASSES)
            if not track.is_featured:
                days = _idle_days(track.rate, rng.random(), LIST_DAYS)
                track.idle_minutes = days * 1440 + int(rng.uniform(5, 20 * 60))
        for _ in range(round(self.size * DORMANT_SHARE)):
            track = _new_track(rng, self._taken, 1, names_taken=self._names)
            track.idle_minutes = int(rng.uniform(100, 400) * 1440)
            self._add(track, listed=False)
        for track in self._tracks.values():
            track.page_changed_day = 1 - track.idle_minutes // 1440
        self._activity(1, _rng(self.seed, 1, "activity"), month_start=False)
        for track in self._tracks.values():
            if track.idle_minutes < 1440:  # active today: its page shows today's counters
                track.page_changed_day = 1
        for track in self._tracks.values():  # counters for the month so far
            if track.idle_minutes < day_date(1).day * 1440:
                track.results_this_month += int(track.rate * 400 * rng.random())
                track.sessions_this_month += int(track.rate * 300 * rng.random())
                if track.video_gear:
                    track.videos_this_month = int(track.results_this_month * rng.uniform(0.5, 1))

    def _add(self, track: _Track, *, listed: bool) -> None:
        track.listed = listed
        self._tracks[track.slug.lower()] = track

    def _force_variety(self, rng: random.Random) -> None:
        """Guarantee every markup edge case LiveRC's real list shows at least once."""
        tracks = list(self._tracks.values())
        chosen = rng.sample(tracks, 60)
        in_states = [t for t in chosen if t.country_code == "US"][: len(geography.COLLIDING_STATES)]
        picks = iter([t for t in chosen if t not in in_states])
        for track, state in zip(in_states, geography.COLLIDING_STATES, strict=True):
            _place(track, rng, geography.pick_city(rng, "US", state))
        for country in ("AU", "AU", "CN", "KR", "MX", "GB", "CA", "JP", "DE", "NZ"):
            track = next(picks)
            _place(track, rng, geography.pick_city(rng, country))
            if track.phone is not None:  # a number of the new country
                track.phone, track.phone_e164 = geography.phone_number(rng, country)
        au = [t for t in tracks if t.country_code == "AU"]
        au[0].postal_code = "0" + au[0].postal_code[-4:].rjust(4, "2")
        au[1].postal_code = "A" + au[1].postal_code[-4:].rjust(4, "5")
        for country, template in (("CN", "zh"), ("KR", "ko"), ("MX", "es")):
            track = next(t for t in tracks if t.country_code == country)
            track.has_events = True
            track.latest_event_name = names.EVENTS_BY_LANGUAGE[template][0].format(year=2025, n=3)
        next(picks).latest_event_name = "Freaky Friday Oval & F8 Points"
        street = next(picks)
        street.street_address = f"Unit {rng.randint(2, 20)}, {rng.randint(10, 999)} Mill Road"
        word = rng.choice(names.WORDS)
        quoted = (f'The {word} Den "Off-Road"', f'The {word} Den "On-Road"', '"The Mud" Nitro Bash')
        commas = (
            f"HobbyTown {street.city}, {street.state or street.country_code}",
            f"RCX V{rng.randint(2, 9)} - Shanghai, China",
            f"MBX, {word} RC Speedway",
        )
        spaced = (
            "GSpeed  GX Hobby",
            f"{word}  Radio Controlled Raceway",
            "On Track Hobbies  Raceway LLC",
            "BX Hobbies  Raceway",
        )
        for name in (*quoted, *commas, *spaced):
            self._rename(next(picks), name)
        for _ in range(3):  # three pairs of tracks sharing a name
            first, second = next(picks), next(picks)
            second.name = first.name
            if rng.random() < 0.5:
                self._reslug(second, names.unique_slug(first.slug, self._taken))
        mixed_case = next(picks)  # one slug with upper case, like ``FastandFunToyandHobby``
        mixed_case.name = "Rocket and Turbo Hobby and Raceway"
        self._reslug(mixed_case, "", name_slug=names.compact(mixed_case.name))
        for name in ("360 RC Park", "2 Fast RC Raceway", "4 Corners Dirt Oval"):
            self._rename(next(picks), name)
        long_name = "Greater Northwestern Radio Control Car Racing Association"
        self._rename(next(picks), long_name)
        no_event = [t for t in tracks if t.latest_event_name is None]
        while len(no_event) < round(self.size * 0.04):
            track = rng.choice(tracks)
            if track.latest_event_name is not None:
                track.latest_event_name, track.has_events = None, False
                track.total_events = track.total_races = track.total_entries = 0
                no_event.append(track)

    def _rename(self, track: _Track, name: str) -> None:
        track.name = name
        slug = names.compact(name).lower()[: names.SLUG_MAX_LENGTH]
        self._reslug(track, "", name_slug=slug)

    def _reslug(self, track: _Track, slug: str, name_slug: str | None = None) -> None:
        del self._tracks[track.slug.lower()]
        self._taken.discard(track.slug.lower())
        track.slug = slug or names.unique_slug(name_slug or track.slug, self._taken)
        self._taken.add(track.slug.lower())
        self._tracks[track.slug.lower()] = track

    # --- later days ---

    def advance_to(self, day: int) -> None:
        """Replay days until ``day`` (which must not be before the current day)."""
        if day < self.day:
            raise ValueError(f"cannot go back from day {self.day} to day {day}")
        while self.day < day:
            self._step(self.day + 1)

    def _step(self, day: int) -> None:
        self.day = day
        before = {key: t.page_signature() for key, t in self._tracks.items()}
        month_start = day_date(day).month != day_date(day - 1).month
        for track in self._tracks.values():
            track.idle_minutes += 1440
        departed = self._departures(day, _rng(self.seed, day, "departures"))
        arrived = self._arrivals(day, _rng(self.seed, day, "arrivals"), departed)
        self._activity(day, _rng(self.seed, day, "activity"), month_start, arrived)
        self._changed = self._catalogue_changes(_rng(self.seed, day, "changes"))
        self._arrived, self._departed = arrived, departed
        for key, track in self._tracks.items():
            if before.get(key) != track.page_signature():
                track.page_changed_day = day

    def _departures(self, day: int, rng: random.Random) -> list[str]:
        """Tracks idle beyond the list's window leave it (featured ones stay)."""
        window = LIST_DAYS * 1440
        listed = sorted(
            (t for t in self._tracks.values() if t.listed), key=lambda t: t.slug.lower()
        )
        leaving = [
            t
            for t in listed
            if not t.is_featured and t.idle_minutes > window and rng.random() < DEPARTURE_CHANCE
        ]
        for track in leaving:
            track.listed = False
        return sorted(t.slug for t in leaving)

    def _arrivals(self, day: int, rng: random.Random, departed: list[str]) -> list[str]:
        listed = sum(t.listed for t in self._tracks.values())
        shortfall = self.size - listed
        wanted = max(0, len(departed) + rng.choice((-2, -1, 0, 0, 1, 2)))
        count = max(shortfall - MAX_SHORTFALL, min(shortfall, wanted))
        dormant = sorted(
            (t for t in self._tracks.values() if not t.listed and t.slug not in departed),
            key=lambda t: t.slug.lower(),
        )
        arrived: list[_Track] = []
        for _ in range(count):
            if dormant and rng.random() < 0.4:
                track = dormant.pop(rng.randrange(len(dormant)))
            else:
                track = _new_track(rng, self._taken, day, names_taken=self._names)
                self._add(track, listed=False)
                track.total_events = track.total_races = track.total_entries = 0
                track.total_practice_sessions = track.total_laps = 0
            track.listed = True
            track.idle_minutes = int(rng.uniform(5, 20 * 60))
            track.rate = _daily_rate(rng.random(), rng.uniform(0.85, 1.15), ARRIVAL_RATE_CLASSES)
            arrived.append(track)
        return sorted(t.slug for t in arrived)

    def _activity(
        self, day: int, rng: random.Random, month_start: bool, arrived: Collection[str] = ()
    ) -> None:
        """Who had activity today (live now, or earlier today); counters grow for them only.

        On day 1 the tracks active today are those whose drawn idle time is under a day; on
        later days each listed track has activity with its daily chance, arrivals always.
        """
        tracks = sorted(self._tracks.values(), key=lambda t: t.slug.lower())
        if month_start:
            for track in tracks:
                track.results_this_month = track.sessions_this_month = track.videos_this_month = 0
        arrivals = {slug.lower() for slug in arrived}
        if day == 1:
            active = [t for t in tracks if t.listed and t.idle_minutes < 1440]
        else:
            active = [
                t
                for t in tracks
                if t.listed and (t.slug.lower() in arrivals or rng.random() < t.rate)
            ]
        racing = round(self.size * RACING_SHARE * rng.uniform(0.7, 1.3))
        practising = round(self.size * PRACTISING_SHARE * rng.uniform(0.85, 1.15))
        ranked = sorted(active, key=lambda t: rng.random() ** (1 / t.rate), reverse=True)
        live = ranked[: racing + practising]
        for track in tracks:
            track.activity = Activity.OFFLINE
            track.has_live_video = False
        for index, track in enumerate(live):
            track.activity = Activity.RACING if index < racing else Activity.PRACTISING
            track.idle_minutes = 0
            track.has_live_video = track.video_gear
            self._grow(track, rng, racing=index < racing)
        for track in ranked[len(live) :]:
            track.idle_minutes = min(track.idle_minutes, int(rng.uniform(5, 20 * 60)))
            track.has_live_video = track.video_gear and rng.random() < 0.05
            self._grow(track, rng, racing=rng.random() < 0.5)

    def _grow(self, track: _Track, rng: random.Random, *, racing: bool) -> None:
        sessions = rng.randint(2, 60)
        races = rng.randint(8, 40) if racing and track.has_events else 0
        track.total_practice_sessions += sessions
        track.sessions_this_month += sessions
        track.total_laps += int(sessions * rng.uniform(15, 50) + races * rng.uniform(40, 90))
        if races:
            track.total_races += races
            track.total_events += 1
            track.total_entries += int(races * rng.uniform(1.3, 2.2))
            track.results_this_month += races
            if track.video_gear:
                track.videos_this_month += int(races * rng.uniform(0.5, 1))
            if rng.random() < 0.5:
                track.latest_event_name = names.event_name(
                    rng, day_date(self.day).year, track.country_code
                )

    def _catalogue_changes(self, rng: random.Random) -> dict[str, tuple[str, ...]]:
        listed = sorted((t for t in self._tracks.values() if t.listed), key=lambda t: t.slug)
        count = sum(rng.random() < self.change_rate for _ in listed)
        changed: dict[str, tuple[str, ...]] = {}
        for track in rng.sample(listed, min(count, len(listed))):
            field = rng.choice(CATALOGUE_CHANGE_FIELDS)
            before = {name: getattr(track, name) for name in REPORTED_FIELDS}
            for _ in range(5):  # a redraw can repeat the old value: try again
                _change(track, field, rng)
                fields = tuple(n for n in REPORTED_FIELDS if getattr(track, n) != before[n])
                if fields:
                    changed[track.slug] = fields
                    break
        return changed

    # --- snapshots ---

    def snapshot(self) -> Catalogue:
        """The immutable catalogue of the current day."""
        frozen = {key: track.freeze() for key, track in self._tracks.items()}
        return Catalogue(
            seed=self.seed,
            size=self.size,
            day=self.day,
            listed=tuple(sorted((t for t in frozen.values() if t.listed), key=_list_order)),
            tracks=MappingProxyType(frozen),
            arrived=tuple(self._arrived),
            departed=tuple(self._departed),
            changed=MappingProxyType(dict(self._changed)),
        )


def _list_order(track: SimTrack) -> tuple[int, int, str]:
    """Racing, practising, offline by recency, then featured tracks with old activity."""
    if track.activity is Activity.RACING:
        return (0, 0, track.slug_key)
    if track.activity is Activity.PRACTISING:
        return (1, 0, track.slug_key)
    if track.is_featured and track.idle_minutes > LIST_WINDOW_DAYS * 1440:
        return (3, track.idle_minutes, track.slug_key)
    return (2, track.idle_minutes, track.slug_key)


class CatalogueFactory:
    """Catalogues for any day of one (seed, size), replaying forward from the latest day built."""

    def __init__(self, seed: int, size: int, *, change_rate: float = CHANGE_RATE) -> None:
        self.seed = seed
        self.size = size
        self.change_rate = change_rate
        self._evolver = Evolver(seed, size, change_rate)
        self._snapshots: dict[int, Catalogue] = {}

    def day(self, day: int) -> Catalogue:
        """The catalogue of ``day`` (>= 1)."""
        if day < 1:
            raise ValueError(f"days start at 1, not {day}")
        if day in self._snapshots:
            return self._snapshots[day]
        if day < self._evolver.day:
            self._evolver = Evolver(self.seed, self.size, self.change_rate)
        self._evolver.advance_to(day)
        snapshot = self._evolver.snapshot()
        self._snapshots = {**dict(list(self._snapshots.items())[-3:]), day: snapshot}
        return snapshot


def build_catalogue(
    seed: int = 1, size: int = 1090, day: int = 1, *, change_rate: float = CHANGE_RATE
) -> Catalogue:
    """The catalogue of ``day`` for ``(seed, size)``, computed from scratch."""
    return CatalogueFactory(seed, size, change_rate=change_rate).day(day)
