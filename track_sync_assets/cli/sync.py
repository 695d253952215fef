"""``track-sync sync``, ``track-sync refetch`` and ``track-sync demo``."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from datetime import date
from pathlib import Path

DEMO_EPOCH = date(2026, 1, 1)


def register(subparsers: argparse._SubParsersAction) -> None:
    sync = subparsers.add_parser(
        "sync",
        help="run one full sync now on the configured Dagster instance",
        description="Track list, every dashboard, geocodes, tracks and the report, as "
        "Dagster runs on $DAGSTER_HOME (default: dagster_home/). Exit 0 on success "
        "(a handful of failed tracks is a warning), 1 when the sync failed.",
    )
    sync.set_defaults(func=_sync)

    refetch = subparsers.add_parser(
        "refetch",
        help="re-fetch only the failed dashboard partitions, then update the catalogue",
    )
    refetch.set_defaults(func=_refetch)

    demo = subparsers.add_parser(
        "demo",
        help="start the bundled LiveRC simulator and run `track-sync sync` against it",
        description="The README's main job: a full sync on the embedded default (SQLite) "
        "against the LiveRC simulator on 127.0.0.1.",
    )
    demo.add_argument("--tracks", type=int, default=1090)
    demo.add_argument(
        "--day",
        type=int,
        default=None,
        help="simulated day (default: days since 2026-01-01, so each day brings changes)",
    )
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--latency", default="0", help="MEDIAN_MS[:P95_MS] (default 0)")
    demo.add_argument("--faults", default="", help="simulator fault spec (docs/simulator.md)")
    demo.add_argument(
        "--rps",
        type=float,
        default=None,
        help="request rate towards the simulator (default: TRACK_SYNC_MAX_RPS, else 50: "
        "the simulator is local; LiveRC itself gets the polite default of 3)",
    )
    demo.set_defaults(func=_demo)


def _instance():
    from dagster import DagsterInstance

    from track_sync_assets.store import project_root

    home = os.environ.get("DAGSTER_HOME", "").strip()
    path = Path(home) if home else project_root() / "dagster_home"
    if not path.is_absolute():
        path = (Path.cwd() / path).resolve()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(path)
    return DagsterInstance.get()


def _run(action) -> int:
    # Dagster flags single-run backfills as beta; the command's own lines say what matters.
    warnings.filterwarnings("ignore", message=r".*is currently in beta.*")
    from track_sync_assets.definitions import defs
    from track_sync_assets.defs.runner import SyncAlreadyRunning

    with _instance() as instance:
        try:
            outcome = action(defs, instance, print)
        except SyncAlreadyRunning as exc:
            print(f"track-sync: {exc}", file=sys.stderr)
            return 1
    return 0 if outcome.succeeded else 1


def _sync(args: argparse.Namespace) -> int:
    from track_sync_assets.defs.runner import run_sync_chain

    return _run(run_sync_chain)


def _refetch(args: argparse.Namespace) -> int:
    from track_sync_assets.defs.runner import refetch_failed

    return _run(refetch_failed)


def _demo(args: argparse.Namespace) -> int:
    from track_sync_assets.simulator import FaultSpec, SimulatorConfig, serve_in_thread

    day = args.day if args.day is not None else max(1, (date.today() - DEMO_EPOCH).days + 1)
    median, _, p95 = args.latency.partition(":")
    config = SimulatorConfig(
        tracks=args.tracks,
        day=day,
        seed=args.seed,
        latency_median_ms=float(median or 0),
        latency_p95_ms=float(p95) if p95 else None,
        faults=FaultSpec.parse(args.faults),
    )
    rps = args.rps or float(os.environ.get("TRACK_SYNC_MAX_RPS") or 50)
    with serve_in_thread(config) as sim:
        os.environ["LIVERC_LIST_URL"] = sim.list_url
        os.environ["LIVERC_TRACK_URL_TEMPLATE"] = sim.track_url_template
        os.environ["TRACK_SYNC_MAX_RPS"] = str(rps)
        print(
            f"LiveRC simulator: {args.tracks} tracks, day {day}, seed {args.seed} at "
            f"{sim.list_url} ({rps:g} requests/s)"
        )
        return _sync(args)
