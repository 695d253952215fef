"""Render one sync's change report as Markdown.

Scraped text (track names, addresses, errors) is data: every value goes through
:func:`escape_markdown` (or :func:`markdown_code`) so it can neither break a table nor
add links, images, HTML or headings to the report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from track_sync_assets.report.escape import escape_markdown, markdown_code
from track_sync_assets.report.inputs import DashboardFailure, QualityFinding, ReportInput
from track_sync_assets.report.run_sections import (
    refresh_plan_section,
    rejected_rows_section,
    retry_section,
    started_by_line,
)


def render_report(data: ReportInput) -> str:
    """The whole report as Markdown text."""
    sync = data.sync
    counts: Mapping[str, int] = sync.get("counts", {})
    changes: Sequence[Mapping[str, Any]] = sync.get("changes", [])
    lines = [
        f"# Track sync report {data.generated_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC",
        "",
        f"Sync {markdown_code(data.sync_id)}: {sync.get('listed', 0)} tracks listed.",
    ]
    if data.started_by is not None:
        lines += ["", started_by_line(data.started_by)]
    lines += ["", "## Summary", "", "| | tracks |", "|---|---:|"]
    for kind in ("added", "updated", "refreshed", "unchanged", "deactivated", "reactivated"):
        lines.append(f"| {kind} | {counts.get(kind, 0)} |")
    lines.append(f"| dashboard failures | {len(data.dashboard_failures)} |")
    lines.append(f"| data-quality findings | {len(data.quality_findings)} |")
    if data.rejected_rows is not None:
        lines.append(f"| rejected track-list rows | {len(data.rejected_rows)} |")

    lines += _track_section("New tracks", changes, "added")
    lines += _changes_section(changes)
    lines += _track_section("Deactivated", changes, "deactivated")
    lines += _track_section("Reactivated", changes, "reactivated")
    if data.rejected_rows is not None:
        lines += rejected_rows_section(data.rejected_rows)
    if data.refresh_plan is not None:
        lines += refresh_plan_section(data.refresh_plan)
    lines += _failures_section(data.dashboard_failures)
    if data.retry is not None:
        lines += retry_section(data.retry)
    lines += _quality_section(data.quality_findings, data.completeness)
    lines += _refresh_section(sync)
    lines += _numbers_section("Geocoding", data.geocoding)
    lines += _numbers_section("Stage timings (seconds)", data.stage_seconds)
    lines += _numbers_section("Requests", data.requests)
    return "\n".join(lines) + "\n"


def _track_section(title: str, changes: Sequence[Mapping[str, Any]], kind: str) -> list[str]:
    rows = [c for c in changes if c.get("kind") == kind]
    lines = ["", f"## {title} ({len(rows)})", ""]
    if not rows:
        return [*lines, "None."]
    lines += ["| slug | name |", "|---|---|"]
    lines += [f"| {escape_markdown(c['slug'])} | {escape_markdown(c.get('name'))} |" for c in rows]
    return lines


def _changes_section(changes: Sequence[Mapping[str, Any]]) -> list[str]:
    updated = [c for c in changes if c.get("kind") == "updated"]
    lines = ["", f"## Catalogue changes ({len(updated)} tracks)", ""]
    if not updated:
        return [*lines, "None."]
    departed = sum(1 for change in updated if change.get("departed"))
    if departed:
        lines += [
            f"{departed} of them left the list: their fetched dashboards updated their "
            "inactive rows (marked departed).",
            "",
        ]
    lines += ["| slug | name | field | old | new |", "|---|---|---|---|---|"]
    for change in updated:
        slug = escape_markdown(change["slug"]) + (" (departed)" if change.get("departed") else "")
        for fc in change.get("fields", []):
            lines.append(
                f"| {slug} | {escape_markdown(change.get('name'))} "
                f"| {escape_markdown(fc['field'])} | {escape_markdown(fc.get('old'))} "
                f"| {escape_markdown(fc.get('new'))} |"
            )
    return lines


def _failures_section(failures: Sequence[DashboardFailure]) -> list[str]:
    lines = ["", f"## Dashboard failures ({len(failures)})", ""]
    if not failures:
        return [*lines, "None: every dashboard was fetched or confirmed unchanged."]
    lines += [
        "Stored data of these tracks was kept as it was.",
        "",
        "| slug | name | outcome | reason |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {escape_markdown(f.slug)} | {escape_markdown(f.name)} | {escape_markdown(f.outcome)} "
        f"| {escape_markdown(f.reason)} |"
        for f in failures
    ]
    return lines


def _quality_section(
    findings: Sequence[QualityFinding], completeness: Mapping[str, float]
) -> list[str]:
    lines = ["", f"## Data-quality findings ({len(findings)})", ""]
    if completeness:
        lines.append(
            "Completeness of active tracks: "
            + ", ".join(f"{escape_markdown(k)} {v:.1%}" for k, v in completeness.items())
            + "."
        )
        lines.append("")
    if not findings:
        return [*lines, "None."]
    lines += ["| check | slug | problem |", "|---|---|---|"]
    lines += [
        f"| {escape_markdown(f.check)} | {escape_markdown(f.slug)} | {escape_markdown(f.problem)} |"
        for f in findings
    ]
    return lines


def _refresh_section(sync: Mapping[str, Any]) -> list[str]:
    refreshed = sync.get("refreshed", 0)
    fields = sync.get("refreshed_fields", {})
    detail = ", ".join(f"{escape_markdown(k)} {v}" for k, v in sorted(fields.items()) if v)
    return [
        "",
        "## Volatile refresh",
        "",
        f"{refreshed} tracks had only volatile fields (activity, counters, last-updated text) "
        f"refreshed{': ' + detail if detail else ''}.",
    ]


def _numbers_section(title: str, numbers: Mapping[str, Any]) -> list[str]:
    lines = ["", f"## {title}", ""]
    flat = dict(_flatten(numbers))
    if not flat:
        return [*lines, "Not recorded."]
    lines += ["| | |", "|---|---:|"]
    lines += [f"| {escape_markdown(k)} | {escape_markdown(v)} |" for k, v in flat.items()]
    return lines


def _flatten(numbers: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in numbers.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            items += _flatten(value, f"{name}.")
        elif isinstance(value, float):
            items.append((name, round(value, 3)))
        else:
            items.append((name, value))
    return items
