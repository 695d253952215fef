"""The Markdown change report: rendering (pure) and the reports folder (write, prune)."""

from track_sync_assets.report.escape import escape_markdown, markdown_code, markdown_table
from track_sync_assets.report.files import prune_reports, report_path, write_report
from track_sync_assets.report.inputs import (
    DashboardFailure,
    QualityFinding,
    ReportInput,
    RetryInfo,
    StartedBy,
)
from track_sync_assets.report.markdown import render_report

__all__ = [
    "DashboardFailure",
    "QualityFinding",
    "ReportInput",
    "RetryInfo",
    "StartedBy",
    "escape_markdown",
    "markdown_code",
    "markdown_table",
    "prune_reports",
    "render_report",
    "report_path",
    "write_report",
]
