"""Progress of a long fetch: a steady line in the run log, a redrawn line on a terminal."""

from __future__ import annotations

import io

from track_sync_assets.cli.progress import ProgressPrinter
from track_sync_assets.defs import progress as progress_module
from track_sync_assets.defs.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_run_log_gets_a_line_per_interval_not_per_track(monkeypatch) -> None:
    clock = iter(float(t) for t in range(0, 1000))
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: next(clock))
    lines: list[str] = []
    progress = Progress(total=100, interval_s=10, report=lines.append)
    for number in range(100):
        progress.tick(failed=number % 25 == 0)

    assert 8 <= len(lines) <= 10, lines
    assert lines[-1].startswith("progress: ") and "/100 dashboards" in lines[-1]
    assert "failed" in lines[-1] and "/s" in lines[-1] and "left" in lines[-1]


def test_a_terminal_redraws_one_line_in_place_and_ends_it() -> None:
    screen = Terminal()
    printer = ProgressPrinter(screen)
    printer("progress: 1/3 dashboards", False)
    printer("progress: 2/3 dashboards", False)
    printer("progress: 3/3 dashboards", True)
    text = screen.getvalue()
    assert text.count("\r\033[K") == 3 and text.endswith("3/3 dashboards\n")
    assert text.count("\n") == 1


def test_a_log_file_gets_plain_lines_at_most_every_ten_seconds_and_the_last_one() -> None:
    log = io.StringIO()
    printer = ProgressPrinter(log)
    for done in range(1, 50):
        printer(f"progress: {done}/50 dashboards", False)
    printer("progress: 50/50 dashboards", True)
    lines = log.getvalue().splitlines()
    assert lines == ["progress: 1/50 dashboards", "progress: 50/50 dashboards"]
    assert "\r" not in log.getvalue()
