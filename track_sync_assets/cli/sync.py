"""``track-sync sync | refetch | demo | scraping | migrate``: the operator's commands."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from track_sync_assets.store import CatalogueStore

DEMO_EPOCH = date(2026, 1, 1)

# Dagster flags single-run backfills as beta; the commands' own lines say what matters.
warnings.filterwarnings("ignore", message=r".*is currently in beta.*")


def register(subparsers: argparse._SubParsersAction) -> None:
    sync = subparsers.add_parser(
        "sync",
        help="run one sync now on the configured Dagster instance",
        description="Track list, the day's dashboards (the refresh plan; --full: every "
        "track), geocodes, tracks and the report, as Dagster runs on $DAGSTER_HOME "
        "(default: dagster_home/). Exit 0 on success (a few failed tracks is a warning), "
        "1 when the sync failed or another sync is running.",
    )
    _common(sync)
    sync.add_argument("--full", action="store_true", help="fetch every listed dashboard")
    sync.set_defaults(func=_sync)

    refetch = subparsers.add_parser(
        "refetch",
        help="re-fetch the failed and never-fetched dashboards in one run, then update the "
        "catalogue",
    )
    _common(refetch)
    refetch.set_defaults(func=_refetch)

    demo = subparsers.add_parser(
        "demo",
        help="start the bundled LiveRC simulator and run `track-sync sync` against it",
        description="The README's main job: a full sync on the embedded default (SQLite) "
        "against the LiveRC simulator on 127.0.0.1.",
    )
    _common(demo)
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
        default=50.0,
        help="request rate towards the simulator (default 50: the simulator is local; "
        "LiveRC itself gets the polite default of 3)",
    )
    demo.add_argument("--full", action="store_true", help="fetch every listed dashboard")
    demo.set_defaults(func=_demo)

    scraping = subparsers.add_parser(
        "scraping",
        help="switch all fetching from LiveRC off or on, at once, for every process",
        description="Stored in the catalogue database: running syncs stop within one "
        "request, retries, the schedule and the sensors skip with this reason.",
    )
    scraping.add_argument("state", choices=("off", "on", "status"))
    scraping.add_argument("--reason", default=None, help="why (shown in the UI and logs)")
    scraping.set_defaults(func=_scraping)

    migrate = subparsers.add_parser(
        "migrate",
        help="create or upgrade the catalogue database's schema (for deployments)",
    )
    migrate.set_defaults(func=_migrate)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reason", default=None, help="why this run (recorded as a run tag)")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the jobs in this process even when a daemon is running (default: submit "
        "them to the daemon's queue then, so they are first-class runs in the UI)",
    )


def _stop_on_signals() -> None:
    """SIGTERM stops a command like Ctrl-C does: the run is marked failed and the lease freed."""

    def interrupt(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)


def _run(
    action: Callable[..., Any],
    overrides: Mapping[str, Mapping[str, Any]],
    *,
    prefer_queue: bool = False,
    **kwargs: Any,
) -> int:
    """Run a command's action on the instance; with ``prefer_queue``, through the daemon's
    queue when a daemon is running (first-class runs), else in this process."""
    from track_sync_assets.cli.progress import showing_progress
    from track_sync_assets.definitions import build_defs
    from track_sync_assets.operator.instance import open_instance
    from track_sync_assets.operator.queued import daemon_running
    from track_sync_assets.operator.runner import SyncAlreadyRunning

    _stop_on_signals()
    try:
        defs = build_defs(**overrides)
        with open_instance() as instance, showing_progress():
            queue = prefer_queue and daemon_running(instance)
            outcome = action(defs, instance, print, queue=queue, **kwargs)
    except SyncAlreadyRunning as exc:
        print(f"track-sync: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        print(f"track-sync: stopped ({exc or 'interrupted'})", file=sys.stderr)
        return 130
    except Exception as exc:  # one line for the operator; the run log has the traceback
        from track_sync_assets.errors import error_line

        print(f"track-sync: {type(exc).__name__}: {error_line(exc)}", file=sys.stderr)
        return 1
    return 0 if outcome.succeeded else 1


def _sync(args: argparse.Namespace) -> int:
    from track_sync_assets.operator.runner import run_sync_chain

    return _run(
        run_sync_chain,
        {},
        full_refresh=args.full,
        reason=args.reason,
        prefer_queue=not args.in_process,
    )


def _refetch(args: argparse.Namespace) -> int:
    from track_sync_assets.operator.runner import refetch_failed

    return _run(refetch_failed, {}, reason=args.reason, prefer_queue=not args.in_process)


def _demo(args: argparse.Namespace) -> int:
    from track_sync_assets.operator.runner import run_sync_chain
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
    with serve_in_thread(config) as sim:
        print(
            f"LiveRC simulator: {args.tracks} tracks, day {day}, seed {args.seed} at "
            f"{sim.list_url} ({args.rps:g} requests/s)"
        )
        liverc = {
            "list_url": sim.list_url,
            "track_url_template": sim.track_url_template,
            "max_rps": args.rps,
        }
        return _run(run_sync_chain, {"liverc": liverc}, full_refresh=args.full, reason=args.reason)


@contextmanager
def _catalogue_store() -> Iterator[CatalogueStore]:
    """The configured catalogue (created or upgraded if needed), for a command's block."""
    from track_sync_assets.definitions import build_resources

    catalogue = build_resources(os.environ)["catalogue"]
    with catalogue.process_config_and_initialize_cm() as ready, ready.open() as store:
        yield store


def _scraping(args: argparse.Namespace) -> int:
    from track_sync_assets.operator.runner import who
    from track_sync_assets.store.switches import SCRAPING

    with _catalogue_store() as store:
        if args.state != "status":
            store.set_switch(SCRAPING, args.state == "on", reason=args.reason, changed_by=who())
        switch = store.switch(SCRAPING)
    state = "on" if switch.enabled else "off"
    since = f" since {switch.changed_at:%Y-%m-%d %H:%M:%S} UTC" if switch.changed_at else ""
    by = f" by {switch.changed_by}" if switch.changed_by else ""
    why = f": {switch.reason}" if switch.reason else ""
    print(f"scraping is {state}{since}{by}{why}")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from track_sync_assets.definitions import build_resources

    catalogue = build_resources(os.environ)["catalogue"]
    with catalogue.process_config_and_initialize_cm() as ready, ready.open() as store:
        state = "migrated to the latest schema" if ready.migrated_on_setup else "up to date"
        print(f"catalogue {store.url}: {state}")
    return 0
