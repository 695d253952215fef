"""``track-sync simulate``: starts, prints the URLs to export, serves, stops on SIGTERM."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx

RUN_CLI = "import sys; from track_sync_assets.cli import main; sys.exit(main())"


def start(*options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, "simulate", "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_announcement(process: subprocess.Popen[str], timeout_s: float = 30.0) -> dict[str, str]:
    """The ``export NAME=value`` lines printed on start (read by a thread, bounded in time)."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    exports: dict[str, str] = {}
    while "LIVERC_TRACK_URL_TEMPLATE" not in exports:
        line = lines.get(timeout=timeout_s)
        assert line, "the simulator exited before printing its URLs"
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").strip().partition("=")
            exports[name] = value.strip("'")
    return exports


def test_simulate_prints_urls_serves_and_exits_0_on_sigterm(tmp_path: Path) -> None:
    log_file = tmp_path / "requests.jsonl"
    process = start("--tracks", "40", "--day", "3", "--seed", "5", "--disallow", "abc,def",
                    "--crawl-delay", "1.5", "--latency", "1:2", "--log", str(log_file),
                    "--faults", "gone=abc")  # fmt: skip
    try:
        exports = read_announcement(process)
        list_url, template = exports["LIVERC_LIST_URL"], exports["LIVERC_TRACK_URL_TEMPLATE"]
        assert template == list_url + "tracks/{slug}/"
        with httpx.Client(timeout=10) as client:
            listing = client.get(list_url)
            robots = client.get(list_url + "robots.txt").text
            gone = client.get(template.format(slug="abc"))
        assert listing.status_code == 200 and listing.text.count("clickable-row") >= 30
        assert "Disallow: /tracks/def/" in robots and "Crawl-delay: 1.5" in robots
        assert gone.status_code == 404
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    statuses = [json.loads(line)["status"] for line in log_file.read_text().splitlines()]
    assert statuses == [200, 200, 404]


def test_simulate_rejects_a_bad_fault_spec_with_exit_2() -> None:
    process = start("--faults", "5xx=2")
    out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "between 0 and 1" in err and out == ""
