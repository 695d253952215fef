"""The catalogue's quality findings, computed once per catalogue update and shared.

``tracks`` computes them after its upsert and stores them with the sync's record; the
checks and the report read them from there instead of reading the table again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from track_sync_assets.quality import Finding, completeness, coordinate_findings, email_findings

MAX_STORED = 500


@dataclass(frozen=True, slots=True)
class QualityFindings:
    checked: int
    coordinates: list[Finding]
    emails: list[Finding]
    completeness: dict[str, float]

    @classmethod
    def of(cls, active: pd.DataFrame) -> QualityFindings:
        return cls(
            checked=len(active),
            coordinates=coordinate_findings(active),
            emails=email_findings(active),
            completeness=completeness(active),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON for the sync's record (offender lists capped, counts exact)."""
        return {
            "checked": self.checked,
            "coordinates": [[f.slug, f.problem] for f in self.coordinates[:MAX_STORED]],
            "coordinates_count": len(self.coordinates),
            "emails": [[f.slug, f.problem] for f in self.emails[:MAX_STORED]],
            "emails_count": len(self.emails),
            "completeness": self.completeness,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QualityFindings:
        return cls(
            checked=int(data["checked"]),
            coordinates=[Finding(slug, problem) for slug, problem in data["coordinates"]],
            emails=[Finding(slug, problem) for slug, problem in data["emails"]],
            completeness=dict(data["completeness"]),
        )
