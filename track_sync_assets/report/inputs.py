"""What one report shows: plain frozen records, filled by the Dagster layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from track_sync_assets.domain import RejectedRow


@dataclass(frozen=True, slots=True)
class DashboardFailure:
    """A track whose dashboard could not be refreshed in this sync."""

    slug: str
    name: str | None
    outcome: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class QualityFinding:
    """One data-quality problem found by the checks (bad coordinates, bad e-mail...)."""

    check: str
    slug: str
    problem: str


@dataclass(frozen=True, slots=True)
class RetryInfo:
    """This run is automatic retry ``number`` of ``limit`` of the failed dashboards."""

    number: int
    limit: int
    still_failing: Sequence[str] = ()
    """Slugs of the tracks that still fail after this retry."""

    def __post_init__(self) -> None:
        if not 1 <= self.number <= self.limit:
            raise ValueError(f"retry {self.number} of {self.limit} is not a retry")

    @property
    def last(self) -> bool:
        """No automatic retry comes after this one."""
        return self.number == self.limit


@dataclass(frozen=True, slots=True)
class StartedBy:
    """Who or what started the sync, and the operator's reason if one was given."""

    source: str
    """``schedule``, ``sensor``, ``retry``, ``ui`` or ``cli:user@host``."""
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ReportInput:
    """Everything one report shows.

    The optional run details (``rejected_rows``, ``refresh_plan``, ``retry``,
    ``started_by``) are None when the caller does not know them: their sections are
    left out rather than claiming there was nothing.
    """

    sync_id: str
    generated_at: datetime
    sync: Mapping[str, Any]
    """``SyncResult.to_dict()`` of the catalogue upsert."""
    dashboard_failures: Sequence[DashboardFailure] = ()
    quality_findings: Sequence[QualityFinding] = ()
    completeness: Mapping[str, float] = field(default_factory=dict)
    """Share of active tracks with each field (0..1)."""
    stage_seconds: Mapping[str, float] = field(default_factory=dict)
    requests: Mapping[str, Any] = field(default_factory=dict)
    """The HTTP client's request counts (flat or one level nested)."""
    geocoding: Mapping[str, Any] = field(default_factory=dict)
    rejected_rows: Sequence[RejectedRow] | None = None
    """Track-list rows the parser could not read (``TrackListParse.rejected``)."""
    refresh_plan: Mapping[str, int] | None = None
    """Tracks per refresh reason (``RefreshPlan.counts``): due reasons and skip kinds."""
    retry: RetryInfo | None = None
    """Set when this run is an automatic retry."""
    started_by: StartedBy | None = None
