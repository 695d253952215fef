"""Two and three ``track-sync sync`` started at once: exactly one syncs.

On a fresh installation (neither Dagster's storage nor the catalogue exist yet) and on a
used one: the others exit 1 quickly saying another sync is running, LiveRC sees each page
once, and Dagster's storage still opens afterwards (never two Alembic heads).
"""

from __future__ import annotations

from collections import Counter

import pytest
from dagster import DagsterRunStatus

from track_sync_tests.reliability.conftest import (
    TRACKS,
    SiteFactory,
    explain,
    record_result,
)

pytestmark = [pytest.mark.slow, pytest.mark.reliability]

LOSER_MAX_S = 60.0
"""A refused sync ends within this (Python and Dagster start-up on a loaded machine)."""


@pytest.mark.parametrize("used", [False, True], ids=["fresh", "used"])
@pytest.mark.parametrize("count", [2, 3])
def test_syncs_started_together_run_one_at_a_time(
    sites: SiteFactory, count: int, used: bool
) -> None:
    site = sites("racing", latency_ms=30)
    if used:
        first = site.run("sync", "--full")
        assert first.returncode == 0, explain(first)
        site.simulator.clear_log()
    runs_before = len(site.runs()) if used else 0

    processes = [site.start("sync", "--full") for _ in range(count)]
    results = site.finish_all(processes)

    finished = [f for f, _ in results]
    winners = [f for f in finished if f.returncode == 0]
    losers = [f for f in finished if f.returncode != 0]
    loser_seconds = [s for f, s in results if f.returncode != 0]
    story = "\n\n".join(f.explain() for f in finished)
    assert len(winners) == 1, story
    for loser in losers:
        assert loser.returncode == 1, story
        assert "another sync is running" in loser.stderr, story
        assert "Traceback" not in loser.stdout + loser.stderr, story
    assert max(loser_seconds) <= LOSER_MAX_S, loser_seconds
    fetched = Counter(r.slug.lower() for r in site.dashboard_requests() if r.slug)
    assert len(site.list_requests()) == 1, "the list was fetched once"
    assert len(fetched) == TRACKS and set(fetched.values()) == {1}, fetched.most_common(3)
    with site.instance() as instance:  # would raise on two Alembic heads
        runs = [r for r in instance.get_runs() if r.status != DagsterRunStatus.SUCCESS]
        total = len(instance.get_runs())
    assert runs == [], "only the winner's runs exist, all succeeded"
    assert total == runs_before + 3, "the losers started no run"
    again = site.run("scraping", "status")
    assert again.returncode == 0, explain(again)
    with site.store() as store:
        active = store.track_count()
    record_result(
        f"{count} syncs at once, {'used' if used else 'fresh'} instance",
        site.database,
        f"1 synced, {len(losers)} refused within {max(loser_seconds):.0f} s",
        TRACKS - active,
    )
    assert active == TRACKS
