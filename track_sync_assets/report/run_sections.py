"""Report sections about how the run went: who started it, rejected list rows, the refresh
plan and automatic retries. Each is shown only when the caller knows it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from track_sync_assets.domain import RejectedRow
from track_sync_assets.report.escape import escape_markdown, markdown_code
from track_sync_assets.report.inputs import RetryInfo, StartedBy

DUE_REASONS = ("new", "failed", "active", "rolling", "departed", "forced")
"""The refresh plan's reasons to fetch a dashboard, in the plan's order of precedence."""
MAX_LISTED = 100
"""Longest list of tracks a run section shows (the failures section has them all)."""
REASON_LIMIT = 500


def started_by_line(started_by: StartedBy) -> str:
    """``Started by `cli:ops@host`; reason: re-run after the outage.``"""
    line = f"Started by {markdown_code(started_by.source)}"
    if started_by.reason:
        line += f"; reason: {escape_markdown(started_by.reason, limit=REASON_LIMIT)}"
    return line + "."


def rejected_rows_section(rows: Sequence[RejectedRow]) -> list[str]:
    """The track-list rows the parser could not read, with their raw link and name as code."""
    lines = ["", f"## Rejected track-list rows ({len(rows)})", ""]
    if not rows:
        return [*lines, "None: every row of LiveRC's track list was read."]
    lines += [
        "These rows of LiveRC's track list could not be read and were left out of this sync; "
        "every other row was synced.",
        "",
        "| row | reason | link | name |",
        "|---:|---|---|---|",
    ]
    lines += [
        f"| {r.row} | {escape_markdown(r.reason)} | {markdown_code(r.link)} "
        f"| {markdown_code(r.name)} |"
        for r in rows
    ]
    return lines


def refresh_plan_section(counts: Mapping[str, int]) -> list[str]:
    """Dashboards due per reason, then the skipped ones per kind (``RefreshPlan.counts``)."""
    due = {reason: counts.get(reason, 0) for reason in DUE_REASONS}
    skipped = {key: n for key, n in counts.items() if key not in DUE_REASONS}
    total_due, total_skipped = sum(due.values()), sum(skipped.values())
    lines = [
        "",
        "## Refresh plan",
        "",
        f"{total_due} of {total_due + total_skipped} dashboards were due; {total_skipped} skipped.",
        "",
        "| reason | tracks |",
        "|---|---:|",
    ]
    lines += [f"| {reason} | {n} |" for reason, n in due.items()]
    for key, n in skipped.items():
        label = "skipped" if key == "skipped" else f"skipped: {escape_markdown(key)}"
        lines.append(f"| {label} | {escape_markdown(n)} |")
    return lines


def retry_section(retry: RetryInfo) -> list[str]:
    """Which automatic retry this run is, and what still fails after it."""
    lines = ["", f"## Automatic retry ({retry.number} of {retry.limit})", ""]
    failing = list(retry.still_failing)
    if not failing:
        return [*lines, "Every track this retry fetched again now has its dashboard."]
    if retry.last:
        lines.append(
            f"{len(failing)} tracks still fail after the last retry: left for the next day's sync."
        )
    else:
        lines.append(
            f"{len(failing)} tracks still fail; retry {retry.number + 1} of {retry.limit} "
            "will fetch them again."
        )
    lines += ["", "| track |", "|---|"]
    lines += [f"| {escape_markdown(slug)} |" for slug in failing[:MAX_LISTED]]
    if len(failing) > MAX_LISTED:
        lines += ["", f"And {len(failing) - MAX_LISTED} more (see Dashboard failures)."]
    return lines
