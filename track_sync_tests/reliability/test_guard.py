"""The sanity guard refuses a truncated list, then a good list syncs as if it never came.

The refused list is kept for inspection but is not the baseline of the next comparison: the
next sync reports no false arrivals and deactivates nothing.
"""

from __future__ import annotations

import re

import pytest

from track_sync_assets.simulator import FaultSpec
from track_sync_tests.reliability.conftest import (
    TRACKS,
    SiteFactory,
    explain,
    record_result,
)

pytestmark = [pytest.mark.slow, pytest.mark.reliability]


def test_a_refused_list_is_not_the_next_baseline(sites: SiteFactory) -> None:
    site = sites("guarded")
    first = site.run("sync", "--full")
    assert first.returncode == 0, explain(first)
    before = site.catalogue()

    site.simulator.set_faults(FaultSpec.parse("list=truncated,list_rows=10"))
    refused = site.run("sync")
    site.simulator.set_faults(FaultSpec())
    with site.store() as store:
        latest = store.latest_track_list(include_refused=True)
        accepted = store.latest_track_list()
    good = site.run("sync")

    assert refused.returncode == 1, explain(refused)
    assert re.search(r"^\[1/5\] track list: FAILED: .*10", refused.stdout, re.M), explain(refused)
    assert "Traceback" not in refused.stdout + refused.stderr
    assert latest is not None and latest.refusal and latest.row_count == 10, "kept for inspection"
    assert accepted is not None and len(accepted.listings) == TRACKS
    assert good.returncode == 0, explain(good)
    assert f"[1/5] track list: {TRACKS} tracks" in good.stdout, explain(good)
    assert "0 arrived, 0 departed" in good.stdout, explain(good)
    assert re.search(r"\b0 added, .* 0 deactivated, 0 reactivated", good.stdout), explain(good)
    after = site.catalogue()
    with site.store() as store:
        active = store.track_count()
    lost = TRACKS - active
    record_result(
        "guard refuses a 10-row list, then a good list",
        site.database,
        "refused (exit 1), then 0 arrived, 0 deactivated",
        lost,
    )
    assert lost == 0
    assert after.drop(columns=["dashboard_status"]).equals(
        before.drop(columns=["dashboard_status"])
    )
