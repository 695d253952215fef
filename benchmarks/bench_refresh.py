"""The refresh plan over simulated days, through the real sync chain (issue 10 §6).

``days``: N consecutive simulated days (default 30) on the LiveRC simulator, every track on
its own origin (``{slug}.liverc.test``) so robots.txt is counted as the real LiveRC would see
it, each day synced by ``run_sync_chain`` on a temporary SQLite catalogue and Dagster
instance, with the process clock travelled (``time-machine``) to the simulated day's noon,
the instant the simulator's relative "last updated" texts are written for. Per day: the
dashboards fetched and their share of the list, per plan reason; requests seen by the
simulator (dashboards, robots.txt, list); wall time and the politeness bound at 3 requests/s;
staleness of every catalogue-field change (days until the catalogue held it); wrongly
deactivated tracks and false "ok". Then a forced full refresh on the last day and a
field-by-field comparison with the simulator's truth, and the targets.

``scale``: the whole chain at N listed tracks (forced full refresh on day 1, then the plan on
day 2) on SQLite or PostgreSQL, with a ``DAGSTER_HOME`` directory, the simulator in its own
process: wall time, Dagster's share, peak memory (VmHWM) of this process and of the
simulator; then (``--graphql``) dagster-webserver on that instance and the time of the
Partitions tab's GraphQL query for ``track_dashboards``.

    .venv/bin/python benchmarks/bench_refresh.py days [--days 30] [--tracks 1090]
    .venv/bin/python benchmarks/bench_refresh.py scale --tracks 10000 --database sqlite --graphql
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
import time_machine

warnings.filterwarnings("ignore")

from bench_databases import postgres_database  # noqa: E402 (benchmarks/, beside this script)
from dagster import DagsterInstance, instance_for_test  # noqa: E402

from track_sync_assets.definitions import PROJECT_ROOT, build_defs  # noqa: E402
from track_sync_assets.operator.runner import run_sync_chain  # noqa: E402
from track_sync_assets.simulator import SimulatorConfig, serve_in_thread  # noqa: E402
from track_sync_assets.simulator.tracks import TRUTH_FIELDS, Catalogue, day_date  # noqa: E402
from track_sync_assets.store import CatalogueStore, schema  # noqa: E402

POLITE_RPS = 3.0
COORD_TOLERANCE = 0.01
"""Degrees: the offline gazetteer and the simulator use the same city coordinates."""
TEXT_FIELDS = tuple(f for f in TRUTH_FIELDS if f not in ("latitude", "longitude"))


def load_now() -> str:
    """The 1/5/15-minute load averages, as ``/proc/loadavg`` prints them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def vm_hwm_mib(pid: int | str = "self") -> float:
    """Peak resident set size of a process (``VmHWM``), MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def same(a: Any, b: Any) -> bool:
    """Catalogue value equals truth value (None and empty text are the same)."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) <= COORD_TOLERANCE
    return a == b


def read_catalogue(url: str) -> dict[str, dict[str, Any]]:
    """Every catalogue track by slug key: truth fields, is_active, fetch state."""
    engine = sa.create_engine(url)
    columns = [
        schema.tracks.c.slug_key,
        schema.tracks.c.is_active,
        *(schema.tracks.c[name] for name in TRUTH_FIELDS),
    ]
    pages = schema.dashboard_pages
    try:
        with engine.connect() as conn:
            rows = {r.slug_key: dict(r._mapping) for r in conn.execute(sa.select(*columns))}
            for r in conn.execute(
                sa.select(pages.c.slug_key, pages.c.last_outcome, pages.c.last_attempt_at)
            ):
                rows.setdefault(r.slug_key, {"slug_key": r.slug_key})
                rows[r.slug_key]["last_outcome"] = r.last_outcome
                rows[r.slug_key]["last_attempt_at"] = r.last_attempt_at
    finally:
        engine.dispose()
    return rows


def request_counts(log: list[Any]) -> Counter[str]:
    """Requests by kind as one-origin-per-track LiveRC would see them."""
    counts: Counter[str] = Counter()
    for record in log:
        if record.path == "/robots.txt":
            counts["robots"] += 1
            counts[f"robots_{record.status}"] += 1
        elif record.slug is not None:
            counts["dashboards"] += 1
            counts[f"dashboards_{record.status}"] += 1
        else:
            counts["list"] += 1
    counts["total"] = counts["robots"] + counts["dashboards"] + counts["list"]
    return counts


def resolve_field(sim: Any) -> str:
    return ",".join(f"{host}={address}" for host, address in sim.resolve)


# --- days -------------------------------------------------------------------------------


@dataclass
class DayFigures:
    day: int
    listed: int
    fetched: int
    share: float
    plan: dict[str, int]
    requests: Counter[str]
    wall_s: float
    load: str
    failed: int
    wrongly_deactivated: int
    departed_still_active: int
    false_ok: int
    result: str | None
    changes_resolved: list[int] = field(default_factory=list)


@dataclass
class Change:
    slug_key: str
    field: str
    day: int
    active_that_day: bool
    resolved_day: int | None = None


def sync_day(
    defs: Any,
    instance: DagsterInstance,
    catalogue: Catalogue,
    *,
    full: bool = False,
    offset: timedelta = timedelta(0),
) -> tuple[Any, float]:
    """One chain, the clock at the simulated day's noon (plus ``offset``), ticking."""
    lines: list[str] = []
    with time_machine.travel(catalogue.snapshot_at + offset, tick=True):
        started = time.perf_counter()
        outcome = run_sync_chain(defs, instance, echo=lines.append, full_refresh=full)
        wall = time.perf_counter() - started
    if not outcome.succeeded:
        print("\n".join(lines), file=sys.stderr)
        sys.exit(f"day {catalogue.day}: sync failed: {outcome.error}")
    return outcome, wall


def judge_day(
    url: str, catalogue: Catalogue, log: list[Any]
) -> tuple[dict[str, dict[str, Any]], int, int, int]:
    """The catalogue after the day's sync; wrongly deactivated, departed still active, false ok.

    False "ok": a track whose dashboard the catalogue says was fetched today with outcome ok
    or not_modified, but whose origin got no dashboard request today, or whose catalogue
    fields differ from today's truth.
    """
    rows = read_catalogue(url)
    asked = {r.slug.lower() for r in log if r.slug is not None and r.path == "/"}
    today = catalogue.date
    wrongly = departed_active = false_ok = 0
    for key, row in rows.items():
        truth = catalogue.tracks.get(key)
        if truth is None or "is_active" not in row:
            continue
        if truth.listed and not row["is_active"]:
            wrongly += 1
        if not truth.listed and row["is_active"]:
            departed_active += 1
        attempt = row.get("last_attempt_at")
        if (
            attempt is not None
            and attempt.date() == today
            and row.get("last_outcome") in ("ok", "not_modified")
            and (key not in asked or not all(same(row[f], getattr(truth, f)) for f in TEXT_FIELDS))
        ):
            false_ok += 1
    return rows, wrongly, departed_active, false_ok


def run_days(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ts-bench-refresh-"))
    url = f"sqlite:///{tmp / 'catalogue.db'}"
    (tmp / "dagster").mkdir()
    config = SimulatorConfig(
        tracks=args.tracks,
        day=1,
        seed=args.seed,
        latency_median_ms=args.latency_ms,
        change_rate=args.change_rate,
    )
    figures: list[DayFigures] = []
    changes: list[Change] = []
    print(
        f"{args.days} days, {args.tracks} tracks, seed {args.seed}, change rate "
        f"{args.change_rate:g}, latency {args.latency_ms:g} ms, max {args.rps:g} requests/s, "
        "every track its own origin; clock travelled to each day's noon UTC"
    )
    header = (
        f"{'day':>3} {'date':>10} {'listed':>6} {'fetched':>7} {'share':>6}  "
        f"{'new':>4} {'fail':>4} {'activ':>5} {'roll':>4} {'dep':>3} {'forc':>4} | "
        f"{'dash':>5} {'robots':>6} {'list':>4} {'total':>5} {'bound@3/s':>9} | "
        f"{'wall s':>6} {'load':>14} | {'chg':>3} {'held':>4} {'deact':>5} {'f.ok':>4}"
    )
    with (
        serve_in_thread(config) as sim,
        instance_for_test(temp_dir=str(tmp / "dagster")) as instance,
    ):
        defs = build_defs(
            {},
            catalogue={"database_url": url},
            liverc={
                "list_url": sim.host_list_url,
                "track_url_template": sim.host_track_url_template,
                "resolve": resolve_field(sim),
                "max_rps": args.rps,
            },
            geocoder={"kind": "offline"},
            reports={"folder": str(tmp / "reports")},
            exports={"folder": str(tmp / "exports")},
        )
        print(header)
        for day in range(1, args.days + 1):
            sim.set_day(day)
            sim.clear_log()
            catalogue = sim.catalogue
            for slug, fields in catalogue.changed.items():
                truth = catalogue[slug]
                active = truth.idle_minutes < 1440
                for name in fields:
                    changes.append(Change(slug.lower(), name, day, active))
            outcome, wall = sync_day(defs, instance, catalogue)
            load = load_now()
            log = sim.request_log
            with CatalogueStore(url) as store:
                run = store.get_run(outcome.sync_id)
            dash = run.counts["dashboards"]
            rows, wrongly, departed_active, false_ok = judge_day(url, catalogue, log)
            resolved_today = 0
            for change in changes:
                if change.resolved_day is not None:
                    continue
                row = rows.get(change.slug_key)
                truth = catalogue.tracks[change.slug_key]
                if (
                    row is not None
                    and "name" in row
                    and same(row[change.field], getattr(truth, change.field))
                ):
                    change.resolved_day = day
                    resolved_today += 1
            requests = request_counts(log)
            plan = dict(dash.get("plan") or {})
            fig = DayFigures(
                day=day,
                listed=len(catalogue),
                fetched=dash["targeted"],
                share=dash["targeted"] / len(catalogue),
                plan=plan,
                requests=requests,
                wall_s=wall,
                load=load,
                failed=dash["failed"],
                wrongly_deactivated=wrongly,
                departed_still_active=departed_active,
                false_ok=false_ok,
                result=outcome.dashboards_result,
            )
            figures.append(fig)
            new_changes = sum(len(f) for f in catalogue.changed.values())
            print(
                f"{day:>3} {catalogue.date.isoformat():>10} {fig.listed:>6} {fig.fetched:>7} "
                f"{fig.share:>6.1%}  {plan.get('new', 0):>4} {plan.get('failed', 0):>4} "
                f"{plan.get('active', 0):>5} {plan.get('rolling', 0):>4} "
                f"{plan.get('departed', 0):>3} {plan.get('forced', 0):>4} | "
                f"{requests['dashboards']:>5} {requests['robots']:>6} {requests['list']:>4} "
                f"{requests['total']:>5} {requests['total'] / POLITE_RPS:>8.0f}s | "
                f"{wall:>6.1f} {load:>14} | {new_changes:>3} {resolved_today:>4} "
                f"{wrongly:>5} {false_ok:>4}",
                flush=True,
            )
        # The last day again, as a forced full refresh (one hour later), compared field by field.
        sim.clear_log()
        outcome, wall = sync_day(defs, instance, catalogue, full=True, offset=timedelta(hours=1))
        load = load_now()
        log = sim.request_log
        rows, wrongly, departed_active, false_ok = judge_day(url, catalogue, log)
        with CatalogueStore(url) as store:
            full_counts = store.get_run(outcome.sync_id).counts["dashboards"]
    requests = request_counts(log)
    mismatches: Counter[str] = Counter()
    examples: list[str] = []
    checked = missing = 0
    for key, truth in catalogue.tracks.items():
        if not truth.listed:
            continue
        row = rows.get(key)
        if row is None or "name" not in row:
            missing += 1
            continue
        checked += 1
        for name in TRUTH_FIELDS:
            if not same(row[name], getattr(truth, name)):
                mismatches[name] += 1
                if len(examples) < 12:
                    examples.append(
                        f"{key}.{name}: {row[name]!r} != {getattr(truth, name)!r} (catalogue "
                        f"{row['city']}, {row['state']}, {row['country_code']}; truth "
                        f"{truth.city}, {truth.state}, {truth.country_code})"
                    )
    summary(args, figures, changes)
    print(
        f"\nforced full refresh, day {args.days} (+1 h): fetched {full_counts['targeted']} "
        f"(plan {full_counts.get('plan')}), failed {full_counts['failed']}; requests "
        f"{requests['total']} (dashboards {requests['dashboards']}, robots.txt "
        f"{requests['robots']}, list {requests['list']}); wall {wall:.1f} s, load {load}"
    )
    print(
        f"  catalogue vs truth: {checked} listed tracks compared on {len(TRUTH_FIELDS)} fields "
        f"({', '.join(TRUTH_FIELDS)}); missing {missing}; mismatching fields "
        f"{sum(mismatches.values())} {dict(mismatches)}; wrongly deactivated {wrongly}; "
        f"departed still active {departed_active}; false ok {false_ok}"
    )
    for line in examples:
        print(f"    {line}")
    shutil.rmtree(tmp, ignore_errors=True)


def summary(args: argparse.Namespace, figures: list[DayFigures], changes: list[Change]) -> None:
    typical = [f for f in figures if 8 <= f.day <= 30]
    print("\ntargets")
    if typical:
        share = statistics.median(f.share for f in typical)
        reasons = sorted({r for f in typical for r, v in f.plan.items() if v})
        per_reason = ", ".join(
            f"{r} {statistics.median(f.plan.get(r, 0) / f.listed for f in typical):.1%}"
            for r in reasons
        )
        req = statistics.median(f.requests["total"] for f in typical)
        dash = statistics.median(f.requests["dashboards"] for f in typical)
        robots = statistics.median(f.requests["robots"] for f in typical)
        first = figures[0]
        print(
            f"  fetched share, median of days 8-{typical[-1].day}: {share:.1%} (target <= 50 %: "
            f"{'MET' if share <= 0.5 else 'MISSED'}); per reason (median share of the list): "
            f"{per_reason}; range {min(f.share for f in typical):.1%}-"
            f"{max(f.share for f in typical):.1%}"
        )
        print(
            f"  requests per day, median of days 8-{typical[-1].day}: {req:.0f} (dashboards "
            f"{dash:.0f}, robots.txt {robots:.0f}, list 1) = {req / POLITE_RPS:.0f} s at 3/s; "
            f"day 1 (every track new): {first.requests['total']} = "
            f"{first.requests['total'] / POLITE_RPS:.0f} s; a fetch-everything day would be "
            f"~{2 * first.listed + 1} requests (dashboard + robots.txt per track)"
        )
        print(
            f"  wall time, median of days 8-{typical[-1].day}: "
            f"{statistics.median(f.wall_s for f in typical):.1f} s at max {args.rps:g} requests/s"
        )
    listed_changes = changes
    measured = [c for c in listed_changes if c.day <= figures[-1].day - args.max_age]
    held = [c for c in listed_changes if c.resolved_day is not None]
    delays = Counter(c.resolved_day - c.day for c in held)
    within = [
        c for c in measured if c.resolved_day is not None and c.resolved_day - c.day <= args.max_age
    ]
    active = [c for c in listed_changes if c.active_that_day]
    active_same_day = [c for c in active if c.resolved_day == c.day]
    pending = [c for c in listed_changes if c.resolved_day is None]
    print(
        f"  catalogue-field changes: {len(listed_changes)} (fields of listed tracks); held by "
        f"the catalogue after N days: {dict(sorted(delays.items()))}; still pending at the end: "
        f"{len(pending)} (changed on days {sorted(c.day for c in pending)})"
    )
    if measured:
        print(
            f"  within {args.max_age} days (changes made by day {figures[-1].day - args.max_age}"
            f", so a full cycle was observed): {len(within)} of {len(measured)} = "
            f"{len(within) / len(measured):.0%} (target 100 %); max delay "
            f"{max((c.resolved_day - c.day for c in held), default=0)} days"
        )
    if active:
        print(
            f"  changes on tracks with activity that day: {len(active_same_day)} of "
            f"{len(active)} held the same day"
        )
    print(
        f"  wrongly deactivated (max over days): {max(f.wrongly_deactivated for f in figures)}; "
        f"departed tracks still active (max): {max(f.departed_still_active for f in figures)}; "
        f"false ok (sum over days): {sum(f.false_ok for f in figures)}; dashboard failures "
        f"(sum): {sum(f.failed for f in figures)}; dashboards results: "
        f"{dict(Counter(f.result for f in figures))}"
    )


# --- scale ------------------------------------------------------------------------------


@contextmanager
def dagster_home(kind: str, tmp: Path) -> Iterator[tuple[Path, str]]:
    """A DAGSTER_HOME directory (the webserver can open it) and a catalogue URL."""
    home = tmp / "dagster_home"
    home.mkdir()
    text = (PROJECT_ROOT / "dagster_home" / "dagster.yaml").read_text()
    if kind == "sqlite":
        (home / "dagster.yaml").write_text(text)
        yield home, f"sqlite:///{tmp / 'catalogue.db'}"
        return
    with postgres_database() as dagster_url, postgres_database() as catalogue_url:
        storage = f"storage:\n  postgres:\n    postgres_url: {dagster_url}\n"
        (home / "dagster.yaml").write_text(storage + text)
        yield home, catalogue_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def simulator_process(tracks: int, day: int, port: int) -> Iterator[subprocess.Popen[str]]:
    """``track-sync simulate`` in its own process (its memory is not this process's)."""
    command = [
        str(Path(sys.executable).parent / "track-sync"), "simulate", "--port", str(port),
        "--tracks", str(tracks), "--day", str(day),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("export LIVERC_TRACK_URL_TEMPLATE"):
                break
        else:
            raise RuntimeError(f"the simulator did not start (exit {process.poll()})")
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def scale_day(
    defs: Any, instance: DagsterInstance, url: str, day: int, tracks: int, *, full: bool
) -> dict[str, Any]:
    catalogue_at = datetime.combine(day_date(day), datetime.min.time(), UTC) + timedelta(hours=12)
    lines: list[str] = []
    with time_machine.travel(catalogue_at, tick=True):
        started = time.perf_counter()
        outcome = run_sync_chain(defs, instance, echo=lines.append, full_refresh=full)
        wall = time.perf_counter() - started
    if not outcome.succeeded:
        print("\n".join(lines), file=sys.stderr)
        sys.exit(f"day {day}: sync failed: {outcome.error}")
    with CatalogueStore(url) as store:
        run = store.get_run(outcome.sync_id)
    t = run.timings
    fetch = run.requests["dashboards"]["wall_time_s"]
    work = t["track_list"] + fetch + t["geocoding"] + t["catalogue"] + t.get("report", 0.0)
    dash = run.counts["dashboards"]
    return {
        "day": day,
        "full": full,
        "wall_s": round(wall, 1),
        "work_s": round(work, 1),
        "dagster_s": round(wall - work, 1),
        "dagster_share": round((wall - work) / wall, 3),
        "fetched": dash["targeted"],
        "range": dash["range"],
        "listed": dash["listed"],
        "fetch_s": round(fetch, 1),
        "timings": {k: round(v, 2) for k, v in t.items()},
        "requests": run.requests["dashboards"].get("requests"),
        "load": load_now(),
    }


PARTITIONS_QUERY = """
query AssetPartitions($assetKey: AssetKeyInput!) {
  assetNodeOrError(assetKey: $assetKey) {
    ... on AssetNode {
      id
      partitionKeysByDimension { name partitionKeys }
      partitionStats { numMaterialized numMaterializing numFailed numPartitions }
      assetPartitionStatuses {
        ... on DefaultPartitionStatuses {
          materializedPartitions failedPartitions unmaterializedPartitions materializingPartitions
        }
      }
    }
  }
}
"""


def time_graphql(home: Path, catalogue_url: str, runs: int = 3) -> dict[str, Any]:
    """Start dagster-webserver on ``home``; time the Partitions tab's query; stop it."""
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "TRACK_SYNC_DATABASE_URL": catalogue_url}
    webserver = Path(sys.executable).parent / "dagster-webserver"
    command = [str(webserver), "-m", "track_sync_assets.definitions", "-h", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "-p", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/graphql"
    variables = {"assetKey": {"path": ["track_dashboards"]}}
    timings: list[float] = []
    result: dict[str, Any] = {}
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"dagster-webserver exited {process.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/server_info", timeout=5).is_success:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        for _ in range(runs):
            started = time.perf_counter()
            response = httpx.post(
                url, json={"query": PARTITIONS_QUERY, "variables": variables}, timeout=600
            )
            timings.append(time.perf_counter() - started)
            data = response.json()["data"]["assetNodeOrError"]
        statuses = data["assetPartitionStatuses"]
        result = {
            "seconds": [round(s, 2) for s in timings],
            "bytes": len(response.content),
            "partitions": len(data["partitionKeysByDimension"][0]["partitionKeys"]),
            "stats": data["partitionStats"],
            "materialized": len(statuses["materializedPartitions"]),
            "failed": len(statuses["failedPartitions"]),
            "webserver_vmhwm_mib": round(vm_hwm_mib(process.pid)),
            "load": load_now(),
        }
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return result


def run_scale(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ts-bench-scale-"))
    out: dict[str, Any] = {"tracks": args.tracks, "database": args.database, "days": []}
    try:
        with dagster_home(args.database, tmp) as (home, url):
            port = free_port()
            with DagsterInstance.from_config(str(home)) as instance:
                defs = build_defs(
                    {},
                    catalogue={"database_url": url},
                    liverc={
                        "list_url": f"http://live.liverc.test:{port}/",
                        "track_url_template": f"http://{{slug}}.liverc.test:{port}/",
                        "resolve": "*.liverc.test=127.0.0.1",
                        "max_rps": args.rps,
                        "max_concurrency": args.concurrency,
                    },
                    geocoder={"kind": "offline"},
                    reports={"folder": str(tmp / "reports")},
                    exports={"folder": str(tmp / "exports")},
                )
                for day, full in ((1, True), (2, False)):
                    with simulator_process(args.tracks, day, port) as sim:
                        figures = scale_day(defs, instance, url, day, args.tracks, full=full)
                        figures["simulator_vmhwm_mib"] = round(vm_hwm_mib(sim.pid))
                    figures["process_vmhwm_mib"] = round(vm_hwm_mib())
                    out["days"].append(figures)
                    print(json.dumps(figures), flush=True)
            out["ru_maxrss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
            if args.graphql:
                out["graphql"] = time_graphql(home, url)
                print(json.dumps({"graphql": out["graphql"]}), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("RESULT " + json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    days = modes.add_parser("days", help="consecutive simulated days through the chain")
    days.add_argument("--days", type=int, default=30)
    days.add_argument("--tracks", type=int, default=1090)
    days.add_argument("--seed", type=int, default=1)
    days.add_argument("--rps", type=float, default=1000.0)
    days.add_argument("--latency-ms", type=float, default=0.0)
    days.add_argument("--change-rate", type=float, default=0.003)
    days.add_argument("--max-age", type=int, default=7, help="TRACK_SYNC_REFRESH_MAX_AGE_DAYS")
    scale = modes.add_parser("scale", help="the chain at N tracks: full refresh, then a day")
    scale.add_argument("--tracks", type=int, default=10000)
    scale.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    scale.add_argument("--rps", type=float, default=10000.0)
    scale.add_argument("--concurrency", type=int, default=6)
    scale.add_argument("--graphql", action="store_true", help="time the Partitions tab query")
    args = parser.parse_args()
    print(f"load before: {load_now()} ({os.cpu_count()} cores)")
    if args.mode == "days":
        run_days(args)
    else:
        run_scale(args)
    print(f"load after: {load_now()}")


if __name__ == "__main__":
    main()
