"""Wall time of the full daily chain (track list, dashboards, geocodes, tracks, report)
against the LiveRC simulator, on SQLite and on PostgreSQL, and Dagster's share of it.

Each database gets a fresh catalogue and a fresh Dagster instance; day 1 is the first
load (every dashboard is new), day 2 the next day: once with the day's refresh plan, once
as a forced full refresh. "Work" is the time spent in track-sync's own code (fetching,
parsing, geocoding, database writes); "Dagster" is the rest of the wall time (runs,
events: one materialization per partition of the range).

    .venv/bin/python benchmarks/bench_sync.py [--tracks 1090] [--rps 1000]
        [--databases sqlite postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

warnings.filterwarnings("ignore")

from bench_databases import postgres_database  # noqa: E402 (benchmarks/, beside this script)
from dagster import instance_for_test  # noqa: E402

from track_sync_assets.definitions import build_defs  # noqa: E402
from track_sync_assets.operator.runner import run_sync_chain  # noqa: E402
from track_sync_assets.simulator import SimulatorConfig, serve_in_thread  # noqa: E402
from track_sync_assets.store import CatalogueStore  # noqa: E402


@contextmanager
def deployment(kind: str, tmp: Path):
    if kind == "sqlite":
        (tmp / "dagster").mkdir()
        with instance_for_test(temp_dir=str(tmp / "dagster")) as instance:
            yield instance, f"sqlite:///{tmp / 'catalogue.db'}"
        return
    with postgres_database() as dagster_url, postgres_database() as catalogue_url:
        overrides = {"storage": {"postgres": {"postgres_url": dagster_url}}}
        with instance_for_test(overrides=overrides) as instance:
            yield instance, catalogue_url


def one_day(defs, instance, catalogue_url: str, label: str, *, full: bool = False) -> None:
    started = time.perf_counter()
    outcome = run_sync_chain(defs, instance, echo=lambda line: None, full_refresh=full)
    wall = time.perf_counter() - started
    if not outcome.succeeded:
        sys.exit(f"{label}: sync failed: {outcome.error}")
    with CatalogueStore(catalogue_url) as store:
        run = store.get_run(outcome.sync_id)
    timings, counts = run.timings, run.counts
    fetch = run.requests["dashboards"]["wall_time_s"]
    dashboards = counts["dashboards"]
    work = (
        timings["track_list"]
        + fetch
        + timings["geocoding"]
        + timings["catalogue"]
        + timings.get("report", 0.0)
    )
    dagster = wall - work
    print(
        f"{label:<18} wall {wall:7.1f} s | list {timings['track_list']:5.2f} | "
        f"dashboards step {timings['dashboards']:6.1f} (fetched {dashboards['targeted']:5d} of "
        f"{dashboards['range']:5d} in {fetch:5.1f} s) | geocode {timings['geocoding']:4.2f} | "
        f"upsert {timings['catalogue']:4.2f} | work {work:6.1f} s | "
        f"Dagster {dagster:6.1f} s ({dagster / wall:.0%})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=1090)
    parser.add_argument("--rps", type=float, default=1000.0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    args = parser.parse_args()
    reports = tempfile.mkdtemp(prefix="ts-bench-reports-")
    print(f"{args.tracks} tracks, {args.latency_ms:g} ms latency, max {args.rps:g} requests/s")
    for kind in args.databases:
        config = SimulatorConfig(tracks=args.tracks, day=1, latency_median_ms=args.latency_ms)
        with (
            tempfile.TemporaryDirectory() as tmp,
            serve_in_thread(config) as sim,
            deployment(kind, Path(tmp)) as (instance, url),
        ):
            defs = build_defs(
                {},
                catalogue={"database_url": url},
                liverc={
                    "list_url": sim.list_url,
                    "track_url_template": sim.track_url_template,
                    "max_rps": args.rps,
                },
                geocoder={"kind": "offline"},
                reports={"folder": reports},
                exports={"folder": str(Path(tmp) / "exports")},
            )
            one_day(defs, instance, url, f"{kind} day 1")
            sim.set_day(2)
            one_day(defs, instance, url, f"{kind} day 2 plan")
            one_day(defs, instance, url, f"{kind} day 2 full", full=True)


if __name__ == "__main__":
    main()
