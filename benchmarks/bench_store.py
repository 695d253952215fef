"""Benchmark of the catalogue store's write path on SQLite and PostgreSQL.

For each size (default 1,090 and 100,000 synthetic tracks) and each database:

1. ``first load``: every track is new (inserts + one history row each);
2. ``next day``: 1% of the tracks change a catalogue field, every track's counters and
   relative "last updated" text move (so every row is rewritten, 1% logged field by field);
3. ``same again``: the next day's inputs re-applied (nothing changes; only
   ``last_seen_at`` is touched).

Change detection is included in every phase (``apply_sync`` end to end). The SQLite
database is a temporary file; the PostgreSQL one a temporary database on the server at
``TRACK_SYNC_BENCH_POSTGRES_URL`` (default ``postgresql+psycopg2://postgres@127.0.0.1:5432/postgres``),
created and dropped. Target: 100,000 tracks per phase in under 20 s on each database.

    .venv/bin/python benchmarks/bench_store.py [--sizes 1090 100000] [--databases sqlite postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from bench_databases import postgres_database

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
from track_sync_assets.store import CatalogueStore, SanityGuard, SyncResult

DAY_ONE = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
ACTIVITIES = (Activity.RACING, Activity.PRACTISING, Activity.OFFLINE)

Inputs = tuple[list[TrackListing], dict[str, DashboardFetch], dict[str, Geocode]]


def synthetic_day(size: int, day: int) -> Inputs:
    """Day ``day`` (0 or 1) of ``size`` tracks: on day 1, 1% change a catalogue field."""
    fetched_at = DAY_ONE + timedelta(days=day)
    listings: list[TrackListing] = []
    dashboards: dict[str, DashboardFetch] = {}
    geocodes: dict[str, Geocode] = {}
    for i in range(size):
        slug = f"track{i:06d}"
        changed = day > 0 and i % 100 == 0
        name = f'Track {i} "Raceway" – Ünïcode' + (" (renamed)" if changed else "")
        listings.append(
            TrackListing(
                slug=slug,
                name=name,
                track_url=f"https://{slug}.liverc.com/",
                activity=ACTIVITIES[(i + day) % 3],
                has_live_video=(i + day) % 7 == 0,
                is_featured=i % 50 == 0,
                last_updated_text=f"{day + i % 5 + 1} days ago",
                latest_event_name=f"Club race {i % 13}",
            )
        )
        dashboard = TrackDashboard(
            name=name,
            street_address=f"{i} Main Street",
            city=f"City {i % 997}",
            state="NC",
            postal_code=f"{27000 + i % 999:05d}",
            country="United States",
            country_code="US",
            phone="+1 919 555 0100" if not changed else "+1 919 555 0199",
            phone_e164="+19195550100" if not changed else "+19195550199",
            website=f"https://{slug}.example.com/",
            email=f"info@{slug}.example.com",
            description=f"A track with {i % 3 + 1} layouts.\nBring spare tyres.",
            logo_url=f"https://assets.livetimescoring.com/track_logos/{i}/logo.png",
            facebook_url=None,
            total_laps=100_000 + i + day * 517,
            total_practice_sessions=1_000 + i + day * 3,
            total_races=2_000 + i + day * 5,
            total_entries=9_000 + i + day * 40,
            total_events=300 + i + day,
            is_live=(i + day) % 11 == 0,
            results_this_month=10 + day,
            sessions_this_month=20 + day,
            videos_this_month=day,
        )
        dashboards[slug] = DashboardFetch(
            slug=slug,
            url=f"https://{slug}.liverc.com/",
            outcome=FetchOutcome.OK,
            fetched_at=fetched_at,
            validators=Validators(etag=f'W/"{i}-{day}"', content_hash=f"{i:08x}{day:02x}"),
            dashboard=dashboard,
            status_code=200,
        )
        geocodes[slug] = Geocode(
            latitude=35.0 + (i % 1000) / 1000,
            longitude=-78.0 - (i % 1000) / 1000,
            precision=GeocodePrecision.STREET,
            geocoder="offline",
        )
    return listings, dashboards, geocodes


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="bench_store_") as folder:
        yield f"sqlite:///{Path(folder) / 'catalogue.db'}"


DATABASES = {"sqlite": sqlite_database, "postgres": partial(postgres_database, "bench_store")}


def report(database: str, size: int, phase: str, result: SyncResult) -> None:
    total = result.durations["total"]
    counts = ", ".join(f"{kind} {n}" for kind, n in result.counts.items() if n)
    phases = " ".join(
        f"{name} {result.durations[name]:.2f}" for name in ("load", "detect", "write", "commit")
    )
    print(
        f"{database:8} {size:>7,} {phase:10} {total:7.2f} s {size / total:>9,.0f} rows/s"
        f"   [{phases}]  {counts}; history rows {result.history_rows}",
        flush=True,
    )


def bench(database: str, size: int) -> None:
    day_one = synthetic_day(size, 0)
    day_two = synthetic_day(size, 1)
    with DATABASES[database]() as url:
        store = CatalogueStore(url)
        try:
            store.migrate()
            guard = SanityGuard(min_rows=1, min_share_of_active=0.8)
            first = store.apply_sync("bench-1", *day_one, now=DAY_ONE, guard=guard)
            report(database, size, "first load", first)
            next_now = DAY_ONE + timedelta(days=1)
            second = store.apply_sync("bench-2", *day_two, now=next_now, guard=guard)
            report(database, size, "next day", second)
            expected_updates = len(range(0, size, 100))
            if second.counts["updated"] != expected_updates:
                raise SystemExit(f"expected {expected_updates} updates, got {second.counts}")
            again = store.apply_sync(
                "bench-3", *day_two, now=next_now + timedelta(hours=1), guard=guard
            )
            report(database, size, "same again", again)
            if again.changed or again.refreshed:
                raise SystemExit(f"re-applying the same inputs changed something: {again.counts}")
        finally:
            store.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1090, 100_000])
    parser.add_argument(
        "--databases", nargs="+", choices=sorted(DATABASES), default=["sqlite", "postgres"]
    )
    args = parser.parse_args(argv)
    print(
        f"{'database':8} {'tracks':>7} {'phase':10} {'seconds':>9} {'throughput':>16}   [phases, s]"
    )
    for size in args.sizes:
        for database in args.databases:
            bench(database, size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
