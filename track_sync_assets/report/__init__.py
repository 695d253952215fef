"""The Markdown change report: rendering (pure) and the reports folder (write, prune)."""

from track_sync_assets.report.files import prune_reports, report_path, write_report
from track_sync_assets.report.markdown import (
    DashboardFailure,
    QualityFinding,
    ReportInput,
    escape_markdown,
    markdown_table,
    render_report,
)

__all__ = [
    "DashboardFailure",
    "QualityFinding",
    "ReportInput",
    "escape_markdown",
    "markdown_table",
    "prune_reports",
    "render_report",
    "report_path",
    "write_report",
]
