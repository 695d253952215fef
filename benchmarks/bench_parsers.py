"""Benchmark the LiveRC parsers on the real captures (one core, one process).

Targets: the whole ~1,090-row track list under 0.5 s; one dashboard under 5 ms.

    .venv/bin/python benchmarks/bench_parsers.py [--list-repeats 20] [--dashboards 1000]

The pages are the real captures committed in track_sync_tests/fixtures/liverc/pages.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from track_sync_assets.liverc.parsing import parse_dashboard, parse_track_list

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PAGES = PROJECT_ROOT / "track_sync_tests" / "fixtures" / "liverc" / "pages"
TRACK_LIST = "track-list_2025-12-16.html"
DASHBOARDS = ("dashboards/thunderalley_2026-01.html", "dashboards/canberraoffroad_2026-03-07.html")
LIST_TARGET_S = 0.5
DASHBOARD_TARGET_MS = 5.0


def read_pages() -> tuple[str, list[str]]:
    """The track list and the dashboards, or exit with a clear message when one is missing."""
    missing = [name for name in (TRACK_LIST, *DASHBOARDS) if not (PAGES / name).is_file()]
    if missing:
        sys.exit(
            f"bench_parsers: the real LiveRC captures are not at {PAGES} (missing: "
            f"{', '.join(missing)}); they are committed with the repository's test fixtures"
        )
    return read_page(TRACK_LIST), [read_page(name) for name in DASHBOARDS]


def read_page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def measure(label: str, pages: list[str], parse: Callable[[str], object], target_ms: float) -> None:
    parse(pages[0])  # warm-up: lazy library data (pycountry, phonenumbers metadata)
    started = time.perf_counter()
    for page in pages:
        parse(page)
    elapsed = time.perf_counter() - started
    per_page_ms = elapsed / len(pages) * 1000
    verdict = "OK" if per_page_ms < target_ms else "SLOWER THAN TARGET"
    print(
        f"{label:<11} {len(pages):>5} pages in {elapsed:7.3f} s  "
        f"{len(pages) / elapsed:9.1f} pages/s  {per_page_ms:8.3f} ms/page  "
        f"(target < {target_ms:g} ms: {verdict})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list-repeats", type=int, default=20, help="track list parses")
    parser.add_argument("--dashboards", type=int, default=1000, help="dashboard parses")
    args = parser.parse_args()
    track_list, dashboards = read_pages()
    rows = len(parse_track_list(track_list))
    print(f"track list: {len(track_list):,} characters, {rows:,} rows; dashboards: 2 pages")
    measure("track list", [track_list] * args.list_repeats, parse_track_list, LIST_TARGET_S * 1000)
    alternating = [dashboards[i % len(dashboards)] for i in range(args.dashboards)]
    measure("dashboard", alternating, parse_dashboard, DASHBOARD_TARGET_MS)


if __name__ == "__main__":
    main()
