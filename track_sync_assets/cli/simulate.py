"""``track-sync simulate``: serve the LiveRC simulator in the foreground until SIGINT/SIGTERM,
or print a day's ground truth (``--truth``)."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path

from track_sync_assets.simulator import (
    FaultSpec,
    FaultSpecError,
    Simulator,
    SimulatorConfig,
    build_catalogue,
)
from track_sync_assets.simulator.catalogue import CHANGE_RATE
from track_sync_assets.simulator.tracks import day_date

DEFAULT_PORT = 8765


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``simulate`` subcommand."""
    parser = subparsers.add_parser(
        "simulate",
        help="serve a local LiveRC stand-in (track list, dashboards, robots.txt)",
        description=(
            "Serve a deterministic LiveRC stand-in on 127.0.0.1 until SIGINT/SIGTERM. Point "
            "track-sync at it with the LIVERC_LIST_URL and LIVERC_TRACK_URL_TEMPLATE it prints. "
            "See docs/simulator.md."
        ),
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--tracks", type=int, default=1090, help="rows on the track list")
    parser.add_argument("--day", type=int, default=1, help="simulated day (1 = 2025-12-16)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--latency", metavar="MEDIAN_MS[:P95_MS]", default="0", help="per-response latency"
    )
    parser.add_argument("--faults", metavar="SPEC", default="", help="fault spec (see docs)")
    parser.add_argument("--disallow", metavar="SLUG,...", default="", help="robots.txt Disallow")
    parser.add_argument("--crawl-delay", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--log", type=Path, default=None, metavar="FILE",
                        help="append every request to FILE as JSON lines")  # fmt: skip
    parser.add_argument("--change-rate", type=float, default=CHANGE_RATE, metavar="SHARE",
                        help="daily share of listed tracks changing a catalogue field")  # fmt: skip
    parser.add_argument("--truth", action="store_true",
                        help="print the day's ground truth as JSON and exit")  # fmt: skip
    parser.set_defaults(func=run)


def parse_latency(text: str) -> tuple[float, float | None]:
    """``MEDIAN_MS`` or ``MEDIAN_MS:P95_MS`` as numbers."""
    median, _, p95 = text.partition(":")
    try:
        return float(median), float(p95) if p95 else None
    except ValueError:
        raise ValueError(f"--latency {text!r}: use MEDIAN_MS or MEDIAN_MS:P95_MS") from None


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    """The simulator configuration the command line asks for (raises ValueError)."""
    median, p95 = parse_latency(args.latency)
    return SimulatorConfig(
        tracks=args.tracks,
        day=args.day,
        seed=args.seed,
        latency_median_ms=median,
        latency_p95_ms=p95,
        faults=FaultSpec.parse(args.faults),
        robots_disallow=tuple(slug.strip() for slug in args.disallow.split(",") if slug.strip()),
        crawl_delay=args.crawl_delay,
        port=args.port,
        host=args.host,
        log_path=args.log,
        change_rate=args.change_rate,
    )


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; 0 on a clean stop, 2 on a bad option."""
    try:
        config = config_from_args(args)
        if args.truth:
            catalogue = build_catalogue(config.seed, config.tracks, config.day,
                                        change_rate=config.change_rate)  # fmt: skip
            json.dump(catalogue.truth(), sys.stdout, ensure_ascii=False)
            sys.stdout.write("\n")
            return 0
    except (ValueError, FaultSpecError) as exc:
        print(f"track-sync simulate: {exc}", file=sys.stderr)
        return 2
    simulator = Simulator(config)
    try:
        asyncio.run(_serve(simulator))
    except OSError as exc:
        print(f"track-sync simulate: cannot listen on {config.host}:{config.port}: {exc}",
              file=sys.stderr)  # fmt: skip
        return 1
    return 0


async def _serve(simulator: Simulator) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    def announce() -> None:
        config = simulator.config
        catalogue = simulator.catalogue
        faults = str(config.faults) or "none"
        print(
            f"LiveRC simulator: {len(catalogue)} tracks listed, day {catalogue.day} "
            f"({day_date(catalogue.day)}), seed {config.seed}, faults: {faults}",
            flush=True,
        )
        print(f"export LIVERC_LIST_URL={simulator.list_url}", flush=True)
        print(f"export LIVERC_TRACK_URL_TEMPLATE='{simulator.track_url_template}'", flush=True)

    await simulator.run(stop, announce)
    print("LiveRC simulator stopped.", flush=True)
