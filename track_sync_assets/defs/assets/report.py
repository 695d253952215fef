"""``track_sync_report``: the Markdown change report of one sync, on disk and in the UI."""

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from track_sync_assets.defs.assets.exports import ExportsResource, track_catalogue_exports
from track_sync_assets.defs.assets.tracks import failed_dashboards, tracks
from track_sync_assets.defs.quality_findings import QualityFindings
from track_sync_assets.defs.resources import (
    CatalogueResource,
    ReportsResource,
    SyncPolicyResource,
)
from track_sync_assets.defs.runs import current_run, run_tags, started_by, sync_id_of
from track_sync_assets.defs.step_guard import sync_step
from track_sync_assets.defs.tags import GROUP, REASON_TAG, RETRY_TAG
from track_sync_assets.domain import RejectedRow
from track_sync_assets.exports import MAP_NAME, map_embed
from track_sync_assets.report import (
    DashboardFailure,
    QualityFinding,
    ReportInput,
    RetryInfo,
    StartedBy,
    prune_reports,
    render_report,
    report_path,
    write_report,
)
from track_sync_assets.store import HistoryEntry, SyncRun


@asset(group_name=GROUP, deps=[tracks, track_catalogue_exports], kinds={"python", "markdown"})
def track_sync_report(
    context: AssetExecutionContext,
    catalogue: CatalogueResource,
    reports: ReportsResource,
    sync_policy: SyncPolicyResource,
    exports: ExportsResource,
) -> MaterializeResult:
    """What one sync changed, what failed and what looks wrong, as Markdown
    (``docs/reports/track-sync-YYYY-MM-DD-HH-MM-SS.md``)."""
    started = time.perf_counter()
    with catalogue.open() as store, sync_step(context, store, sync_policy):
        sync_id = sync_id_of(context)
        now = datetime.now(UTC)
        run = store.get_run(sync_id)
        counts: dict[str, Any] = (run.counts or {}).get("catalogue", {}) if run else {}
        frame = store.tracks_frame(active_only=False)
        names = dict(zip(frame["slug_key"], frame["name"], strict=True))
        active = frame[frame["is_active"].astype(bool)]
        snapshot = store.latest_track_list()
        listed = [t.slug_key for t in snapshot.listings] if snapshot else []

        stored = counts.get("quality")
        quality = QualityFindings.from_dict(stored) if stored else QualityFindings.of(active)
        findings = [
            QualityFinding("coordinates", f.slug, f.problem) for f in quality.coordinates
        ] + [QualityFinding("email", f.slug, f.problem) for f in quality.emails]
        failures = [
            DashboardFailure(s.slug, names.get(s.slug_key), s.last_outcome.value, s.last_reason)
            for s in failed_dashboards(store.dashboard_states(listed))
        ]
        who = _started_by(context)
        data = ReportInput(
            sync_id=sync_id,
            generated_at=now,
            sync={
                "listed": len(listed),
                "counts": {k: v for k, v in counts.items() if isinstance(v, int)},
                "changes": _changes(store.changes_for_run(sync_id), names, set(listed)),
                "refreshed": counts.get("refreshed", 0),
                "refreshed_fields": counts.get("refreshed_fields", {}),
            },
            dashboard_failures=failures,
            quality_findings=findings,
            completeness=quality.completeness,
            stage_seconds=(run.timings or {}) if run else {},
            requests=(run.requests or {}) if run else {},
            geocoding=((run.counts or {}).get("geocoding", {}) if run else {}),
            rejected_rows=_rejected_rows(run),
            refresh_plan=((run.counts or {}).get("dashboards") or {}).get("plan") if run else None,
            retry=_retry(context, sync_policy, failures),
            started_by=who,
        )
        text = render_report(data)
        directory = reports.directory()
        map_png = exports.path() / MAP_NAME
        if map_png.is_file():
            embed = map_embed(map_png, report_path(directory, now))
            text += f"\n## Map of the catalogue\n\n{embed.markdown}\n"
        path = write_report(directory, now, text)
        pruned = prune_reports(directory, now=now, retention_days=reports.retention_days)
        store.record_stage(sync_id, "report", time.perf_counter() - started)
        store.finish_run(sync_id, "succeeded", finished_at=now)
        context.log.info(
            f"report written to {path}; {len(pruned)} old reports pruned; started by "
            f"{who.source}" + (f" ({who.reason})" if who.reason else "")
        )
        return MaterializeResult(
            metadata={
                "report": MetadataValue.md(text),
                "path": MetadataValue.path(str(path)),
                "dashboard_failures": len(failures),
                "quality_findings": len(findings),
                "pruned_reports": len(pruned),
            }
        )


def _rejected_rows(run: SyncRun | None) -> list[RejectedRow] | None:
    stage = ((run.counts or {}).get("track_list") or {}) if run else {}
    if "rejected" not in stage:
        return None
    return [RejectedRow.from_dict(row) for row in stage["rejected"]]


def _retry(
    context: AssetExecutionContext,
    policy: SyncPolicyResource,
    failures: Sequence[DashboardFailure],
) -> RetryInfo | None:
    number = run_tags(context).get(RETRY_TAG)
    limit = len(policy.retry_delays_minutes)
    if not number or not number.isdigit() or not 1 <= int(number) <= limit:
        return None
    return RetryInfo(int(number), limit, still_failing=[f.slug for f in failures])


def _started_by(context: AssetExecutionContext) -> StartedBy:
    return StartedBy(started_by(current_run(context)), run_tags(context).get(REASON_TAG))


def _changes(
    history: Sequence[HistoryEntry], names: dict[str, str], listed: set[str]
) -> list[dict[str, Any]]:
    """History rows of one sync, grouped per track as the report shows them (an update of
    a track not on the list is marked departed)."""
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in history:
        change = grouped.setdefault(
            (entry.slug_key, entry.kind.value),
            {
                "slug": entry.slug_key,
                "name": names.get(entry.slug_key),
                "kind": entry.kind.value,
                "fields": [],
                "departed": entry.kind.value == "updated" and entry.slug_key not in listed,
            },
        )
        if entry.kind.value == "updated" and entry.field is not None:
            change["fields"].append(
                {"field": entry.field, "old": entry.old_value, "new": entry.new_value}
            )
    return list(grouped.values())
