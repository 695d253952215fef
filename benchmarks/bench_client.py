"""Benchmark the LiveRC client against the simulator: wall time against the politeness bound.

For each configuration the script starts the simulator (a subprocess by default, so
client and server do not share a GIL), fetches the track list (which also reads
robots.txt), then times one pass of ``fetch_dashboards`` over every listed track and
prints it beside the bound ``max(N / rate, N * latency / concurrency)`` (latency: the
mean the simulator is configured for) and the client's CPU time per track.

    .venv/bin/python benchmarks/bench_client.py              # short default (~80 s)
    .venv/bin/python benchmarks/bench_client.py --rps 3      # production limits (~6 min/pass)
    .venv/bin/python benchmarks/bench_client.py --rps 50 --latency-ms 0,300 --concurrency 6
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from statistics import NormalDist

from track_sync_assets.domain import TrackDashboard
from track_sync_assets.liverc.client import ClientSettings, LiveRCClient

SERVE = "import sys; from track_sync_assets.cli import main; sys.exit(main(sys.argv[1:]))"


@dataclass(frozen=True)
class Pass:
    tracks: int
    rps: float
    concurrency: int
    latency_ms: float
    """Mean simulated latency (the median when fixed; log-normal mean with a p95)."""
    wall_s: float
    cpu_s: float
    outcomes: dict[str, int]
    stats: dict[str, object]

    @property
    def bound_s(self) -> float:
        return max(self.tracks / self.rps, self.tracks * self.latency_ms / 1000 / self.concurrency)

    @property
    def dominant(self) -> str:
        rate_term = self.tracks / self.rps
        latency_term = self.tracks * self.latency_ms / 1000 / self.concurrency
        return "rate" if rate_term >= latency_term else "latency"


@contextmanager
def simulator(tracks: int, latency: str, in_process: bool) -> Iterator[tuple[str, str]]:
    """(list URL, track URL template) of a running simulator."""
    if in_process:
        from track_sync_assets.simulator import SimulatorConfig, serve_in_thread

        median, _, p95 = latency.partition(":")
        config = SimulatorConfig(
            tracks=tracks,
            latency_median_ms=float(median),
            latency_p95_ms=float(p95) if p95 else None,
        )
        with serve_in_thread(config) as sim:
            yield sim.list_url, sim.track_url_template
        return
    command = [sys.executable, "-c", SERVE, "simulate", "--port", "0", "--tracks", str(tracks)]
    command += ["--latency", latency]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        urls: dict[str, str] = {}
        assert process.stdout is not None
        for line in process.stdout:
            match = re.match(r"export (LIVERC_\w+)='?([^']+)'?$", line.strip())
            if match:
                urls[match.group(1)] = match.group(2)
            if len(urls) == 2:
                break
        if len(urls) != 2:
            raise RuntimeError(f"the simulator did not start (exit code {process.poll()})")
        yield urls["LIVERC_LIST_URL"], urls["LIVERC_TRACK_URL_TEMPLATE"]
    finally:
        process.terminate()
        process.wait(timeout=30)


async def one_pass(settings: ClientSettings, parse: bool) -> tuple[float, float, list, dict]:
    kwargs = {} if parse else {"parse_dashboard": _no_parse}
    async with LiveRCClient(settings, scrape_enabled=lambda: True, **kwargs) as client:
        track_list = await client.fetch_track_list()  # reads robots.txt too (not timed)
        items = [(listing.slug, None) for listing in track_list.listings]
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        results = await client.fetch_dashboards(items)
        wall = time.perf_counter() - wall_started
        cpu = time.process_time() - cpu_started
        return wall, cpu, results, client.stats.snapshot()


def _no_parse(html: str) -> TrackDashboard:
    fields = {name: None for name in TrackDashboard.__dataclass_fields__ if name != "discrepancies"}
    return TrackDashboard(**fields | {"name": "not parsed"})


def mean_latency_ms(spec: str) -> float:
    """Mean of the simulator's latency ``MEDIAN`` or ``MEDIAN:P95`` (log-normal)."""
    median_text, _, p95_text = spec.partition(":")
    median = float(median_text)
    if not p95_text or median <= 0:
        return median
    sigma = math.log(float(p95_text) / median) / NormalDist().inv_cdf(0.95)
    return median * math.exp(sigma**2 / 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=1090)
    parser.add_argument("--rps", type=float, default=50.0, help="TRACK_SYNC_MAX_RPS (default 50)")
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument(
        "--latency-ms",
        default="0,300",
        help="comma-separated simulator latencies, each MEDIAN or MEDIAN:P95 (default 0,300)",
    )
    parser.add_argument(
        "--in-process", action="store_true", help="simulator in a thread (its CPU then counts too)"
    )
    parser.add_argument("--no-parse", action="store_true", help="skip parsing (HTTP cost only)")
    parser.add_argument("--json", action="store_true", help="also print each pass as JSON")
    args = parser.parse_args(argv)

    os.environ.setdefault("TRACK_SYNC_SCRAPE_ENABLED", "1")
    print(
        f"{'tracks':>6} {'rps':>6} {'conc':>4} {'lat ms':>7} {'mean':>5} {'wall s':>8} "
        f"{'bound s':>8} {'ratio':>6} {'bound by':>8} {'cpu ms/track':>12} {'peak':>4}  outcomes"
    )
    for latency in args.latency_ms.split(","):
        with simulator(args.tracks, latency.strip(), args.in_process) as (list_url, template):
            settings = ClientSettings.from_env(
                {},
                list_url=list_url,
                track_url_template=template,
                max_rps=args.rps,
                max_concurrency=args.concurrency,
            )
            wall, cpu, results, stats = asyncio.run(one_pass(settings, not args.no_parse))
        result = Pass(
            tracks=len(results),
            rps=args.rps,
            concurrency=args.concurrency,
            latency_ms=mean_latency_ms(latency),
            wall_s=wall,
            cpu_s=cpu,
            outcomes=dict(Counter(r.outcome.value for r in results)),
            stats=stats,
        )
        print(
            f"{result.tracks:>6} {result.rps:>6g} {result.concurrency:>4} {latency:>7} "
            f"{result.latency_ms:>5.0f} "
            f"{result.wall_s:>8.2f} {result.bound_s:>8.2f} {result.wall_s / result.bound_s:>6.3f} "
            f"{result.dominant:>8} {1000 * result.cpu_s / max(1, result.tracks):>12.2f} "
            f"{stats['max_in_flight']:>4}  {result.outcomes}",
            flush=True,
        )
        if args.json:
            print(json.dumps({**result.__dict__, "bound_s": result.bound_s}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
