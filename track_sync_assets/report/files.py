"""Where reports live: ``docs/reports/track-sync-YYYY-MM-DD-HH-MM-SS.md``, pruned by age."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPORT_NAME = re.compile(r"^track-sync-(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})\.md$")
DEFAULT_REPORTS_DIR = Path("docs/reports")
DEFAULT_RETENTION_DAYS = 90


def reports_dir(project_root: Path, folder: str | Path = "") -> Path:
    """The reports folder: ``folder``, default ``docs/reports`` under the project root.

    ``~`` is the user's home; other relative paths are taken from the project root.
    """
    configured = str(folder).strip()
    path = Path(configured).expanduser() if configured else DEFAULT_REPORTS_DIR
    return path if path.is_absolute() else project_root / path


def report_path(directory: Path, generated_at: datetime) -> Path:
    """The report file for a sync generated at ``generated_at`` (UTC)."""
    return directory / f"track-sync-{generated_at.astimezone(UTC):%Y-%m-%d-%H-%M-%S}.md"


def write_report(directory: Path, generated_at: datetime, text: str) -> Path:
    """Write atomically (temp file, then rename) and return the path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = report_path(directory, generated_at)
    temp = path.with_suffix(".md.tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(path)
    return path


def prune_reports(directory: Path, *, now: datetime, retention_days: int) -> list[Path]:
    """Delete reports older than ``retention_days`` (by the time in their name).

    Only files named like a report with a real date in the name are touched.
    ``retention_days`` must be at least 1 (0 would delete every earlier report).
    """
    if retention_days < 1:
        raise ValueError(f"retention_days must be at least 1, got {retention_days}")
    if not directory.is_dir():
        return []
    cutoff = now.astimezone(UTC) - timedelta(days=retention_days)
    removed = []
    for path in directory.iterdir():
        stamp = _report_time(path)
        if stamp is not None and stamp < cutoff:
            path.unlink()
            removed.append(path)
    return sorted(removed)


def _report_time(path: Path) -> datetime | None:
    """The UTC time in a report's file name; None for any other file."""
    match = REPORT_NAME.match(path.name)
    if match is None or not path.is_file():
        return None
    try:
        return datetime.strptime(match.group(1), "%Y-%m-%d-%H-%M-%S").replace(tzinfo=UTC)
    except ValueError:  # shaped like a report but not a real date: not ours to delete
        return None
