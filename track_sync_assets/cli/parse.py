"""``track-sync parse list|dashboard FILE``: run a LiveRC parser on a saved page, print JSON.

Exit codes: 0 parsed; 2 the file is unreadable or is not the page it should be
(one line on stderr naming what was missing, nothing on stdout). Cross-check
discrepancies of a dashboard are printed on stderr as warnings (exit code 0).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from track_sync_assets.liverc.parsing import LiveRCParseError, parse_dashboard, parse_track_list

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``parse list FILE`` and ``parse dashboard FILE``."""
    parse = subparsers.add_parser(
        "parse",
        help="parse a saved LiveRC page and print JSON",
        description="Parse a saved LiveRC page (UTF-8 HTML) and print what it says as JSON.",
    )
    kinds = parse.add_subparsers(dest="page_kind", required=True, metavar="PAGE")
    listing = kinds.add_parser(
        "list", help="the track list (https://live.liverc.com/): a JSON array, one object a track"
    )
    listing.add_argument("file", type=Path, metavar="FILE", help="saved track list HTML")
    listing.set_defaults(func=_run_list)
    dashboard = kinds.add_parser(
        "dashboard", help="a track dashboard (https://{slug}.liverc.com/): one JSON object"
    )
    dashboard.add_argument("file", type=Path, metavar="FILE", help="saved dashboard HTML")
    dashboard.set_defaults(func=_run_dashboard)


def _run_list(args: argparse.Namespace) -> int:
    return _run("list", args.file, lambda html: [t.to_dict() for t in parse_track_list(html)])


def _run_dashboard(args: argparse.Namespace) -> int:
    def parse(html: str) -> dict[str, Any]:
        dashboard = parse_dashboard(html)
        for note in dashboard.discrepancies:
            _say(f"track-sync parse dashboard: warning: {args.file}: {note}")
        return dashboard.to_dict()

    return _run("dashboard", args.file, parse)


def _run(kind: str, file: Path, parse: Callable[[str], Any]) -> int:
    try:
        html = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return _fail(
            kind, f"cannot read {file}: not UTF-8 text (invalid byte at offset {exc.start})"
        )
    except OSError as exc:
        return _fail(kind, f"cannot read {file}: {exc.strerror or exc}")
    try:
        result = parse(html)
    except LiveRCParseError as exc:
        return _fail(kind, f"{file}: {exc}")
    try:
        print(json.dumps(result, ensure_ascii=False, indent=2), flush=True)
    except BrokenPipeError:  # e.g. piped into `head`: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_OK


def _fail(kind: str, message: str) -> int:
    _say(f"track-sync parse {kind}: error: {message}")
    return EXIT_BAD_INPUT


def _say(line: str) -> None:
    print(" ".join(line.split()), file=sys.stderr)
