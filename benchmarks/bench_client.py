"""Benchmark the LiveRC client against the simulator: wall time against the politeness bound.

For each configuration the script starts the simulator (a subprocess by default, so
client and server do not share a GIL), fetches the track list (which also reads
robots.txt), then times one pass of ``fetch_dashboards`` over every listed track and
prints it beside the bound ``max(N / rate, N * latency / concurrency)`` (latency: the
mean the simulator is configured for) and the client's CPU time per track.

    .venv/bin/python benchmarks/bench_client.py              # short default (~80 s)
    .venv/bin/python benchmarks/bench_client.py --rps 3      # production limits (~6 min/pass)
    .venv/bin/python benchmarks/bench_client.py --rps 50 --latency-ms 0,300 --concurrency 6
    .venv/bin/python benchmarks/bench_client.py --rps 15 --latency-ms 0 --faults transient
    .venv/bin/python benchmarks/bench_client.py --tracks 300 --per-host --runs 2

``--faults transient`` makes ~4 % of tracks fail transiently (2.5 % answer 503 twice,
1 % reset once, 3 tracks 429 once with Retry-After 2 s, 0.3 % gone). ``--per-host``
serves every track as its own origin (as LiveRC does), so robots.txt is counted per
origin; ``--runs 2`` runs again with the same robots.txt cache (a second sync the same day).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
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
from track_sync_assets.liverc.client import ClientSettings, InMemoryRobotsCache, LiveRCClient
from track_sync_assets.simulator import FaultSpec, SimulatorConfig, serve_in_thread

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


def transient_faults(slugs: list[str], retry_after_s: int = 2) -> str:
    """~4 % of tracks failing transiently, picked by a hash of the slug (reproducible)."""
    ranked = sorted(slugs, key=lambda s: hashlib.sha256(s.lower().encode()).hexdigest())
    n = len(ranked)
    cuts = [round(n * 0.025), round(n * 0.01), 3, round(n * 0.003)]
    groups, start = [], 0
    for size in cuts:
        groups.append(ranked[start : start + size])
        start += size
    f503, freset, f429, gone = groups
    return ",".join(
        [
            "flaky=" + "+".join(f"{s}:2:503" for s in f503),
            "flaky=" + "+".join(f"{s}:1:reset" for s in freset),
            "flaky=" + "+".join(f"{s}:1:429" for s in f429),
            "gone=" + "+".join(gone),
            f"retry_after={retry_after_s}",
        ]
    )


@contextmanager
def simulator(
    tracks: int, latency: str, in_process: bool, faults: str = "", per_host: bool = False
) -> Iterator[dict[str, object]]:
    """Client settings overrides pointing at a running simulator."""
    if faults == "transient":
        with serve_in_thread(SimulatorConfig(tracks=tracks)) as probe:
            faults = transient_faults([t.slug for t in probe.catalogue])
    if in_process or per_host:
        median, _, p95 = latency.partition(":")
        config = SimulatorConfig(
            tracks=tracks,
            latency_median_ms=float(median),
            latency_p95_ms=float(p95) if p95 else None,
            faults=FaultSpec.parse(faults),
        )
        with serve_in_thread(config) as sim:
            if per_host:
                yield {
                    "list_url": sim.host_list_url,
                    "track_url_template": sim.host_track_url_template,
                    "resolve": sim.resolve,
                }
            else:
                yield {"list_url": sim.list_url, "track_url_template": sim.track_url_template}
        return
    command = [sys.executable, "-c", SERVE, "simulate", "--port", "0", "--tracks", str(tracks)]
    command += ["--latency", latency, "--faults", faults]
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
        yield {
            "list_url": urls["LIVERC_LIST_URL"],
            "track_url_template": urls["LIVERC_TRACK_URL_TEMPLATE"],
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


async def one_pass(
    settings: ClientSettings, parse: bool, robots: InMemoryRobotsCache
) -> tuple[float, float, list, dict]:
    kwargs = {} if parse else {"parse_dashboard": _no_parse}
    async with LiveRCClient(settings, robots_cache=robots, **kwargs) as client:
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


def report(
    args: argparse.Namespace,
    latency: str,
    wall: float,
    cpu: float,
    results: list,
    stats: dict,
    origins: int,
) -> None:
    """One line per pass; the bound counts every request (robots.txt and retries excluded)."""
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
    robots = stats["requests_by_kind"].get("robots", 0)
    print(
        f"{result.tracks:>6} {result.rps:>6g} {result.concurrency:>4} {latency:>7} "
        f"{result.latency_ms:>5.0f} "
        f"{result.wall_s:>8.2f} {result.bound_s:>8.2f} {result.wall_s / result.bound_s:>6.3f} "
        f"{result.dominant:>8} {1000 * result.cpu_s / max(1, result.tracks):>12.2f} "
        f"{stats['max_in_flight']:>4} {stats['rate_decreases']:>4} {robots:>6} {origins:>7}  "
        f"{result.outcomes}",
        flush=True,
    )
    if args.json:
        print(json.dumps({**result.__dict__, "bound_s": result.bound_s}, default=str))


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
    parser.add_argument("--faults", default="", help="a simulator fault spec, or 'transient'")
    parser.add_argument("--per-host", action="store_true", help="every track its own origin")
    parser.add_argument("--runs", type=int, default=1, help="passes sharing a robots.txt cache")
    args = parser.parse_args(argv)

    print(
        f"{'tracks':>6} {'rps':>6} {'conc':>4} {'lat ms':>7} {'mean':>5} {'wall s':>8} "
        f"{'bound s':>8} {'ratio':>6} {'bound by':>8} {'cpu ms/track':>12} {'peak':>4} "
        f"{'cuts':>4} {'robots':>6} {'origins':>7}  outcomes"
    )
    for latency in args.latency_ms.split(","):
        sim = simulator(args.tracks, latency.strip(), args.in_process, args.faults, args.per_host)
        with sim as urls:
            settings = ClientSettings(
                max_rps=args.rps,
                max_concurrency=args.concurrency,
                **urls,  # type: ignore[arg-type]
            )
            robots = InMemoryRobotsCache()
            for _ in range(args.runs):
                wall, cpu, results, stats = asyncio.run(
                    one_pass(settings, not args.no_parse, robots)
                )
                report(args, latency, wall, cpu, results, stats, len(robots.entries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
