"""The catalogue made unwritable, or its SQLite folder removed, in the middle of a sync.

The sync fails with the database's own message in one console line (no traceback on the
console); a partition is materialized only when its data is stored; once the database is
writable again, ``track-sync refetch`` (after dashboards) or ``track-sync sync`` (after
the catalogue job) brings the catalogue to a clean run's; nothing stored is ever lost.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from dagster import AssetPartitionStatus

from track_sync_assets.defs.partitions import TRACK_PARTITIONS
from track_sync_assets.defs.runs import DASHBOARDS_KEY
from track_sync_tests.conftest import postgres_admin_url
from track_sync_tests.reliability.conftest import (
    Finished,
    Site,
    SiteFactory,
    differing_tracks,
    explain,
    record_result,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.reliability]

DATABASE_MESSAGES = re.compile(
    r"readonly database|read-only|unable to open database file|disk I/O error"
    r"|not currently accepting connections|terminating connection|server closed the connection"
    r"|could not connect|connection refused|Operation not permitted",
    re.IGNORECASE,
)
"""What SQLite and PostgreSQL themselves say when a database cannot be written or reached."""


def _sqlite_path(site: Site) -> Path:
    return Path(sa.engine.make_url(site.catalogue_url).database or "")


@contextmanager
def unwritable(site: Site) -> Iterator[None]:
    """While inside: SQLite's file, its WAL files and its folder are read-only (and, as root
    ignores permission bits, immutable); PostgreSQL's database refuses connections and its
    open connections are terminated. Restored on leaving."""
    if site.database == "sqlite":
        folder = _sqlite_path(site).parent
        # Not the -shm file: SQLite maps it into memory, and a write to an immutable mapped
        # file is a SIGBUS, not a database error (a chmod alone never touches open files).
        files = sorted(p for p in folder.iterdir() if not p.name.endswith("-shm"))
        for path in files:
            path.chmod(0o444)
        folder.chmod(0o555)
        immutable = [*files, folder]
        subprocess.run(["chattr", "+i", *map(str, immutable)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", *map(str, immutable)], check=True)
            folder.chmod(0o755)
            for path in files:
                path.chmod(0o644)
        return
    name = sa.engine.make_url(site.catalogue_url).database
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
                ),
                {"name": name},
            )
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


class ConsoleBug(AssertionError):
    """The console does not tell the failure's cause in one line without a traceback."""


def check_console(result: Finished, cause: re.Pattern[str]) -> str:
    """No traceback on the console, the cause on a FAILED line of stdout, and every stderr
    line a complete ``track-sync: ...`` message; the FAILED line."""
    console = result.stdout + result.stderr
    if "Traceback" in console:
        raise ConsoleBug(f"a traceback on the console\n{result.explain()}")
    failed = [line for line in result.stdout.splitlines() if "FAILED" in line]
    if not failed or not cause.search(failed[-1]):
        raise ConsoleBug(f"no FAILED line names the cause\n{result.explain()}")
    for line in result.stderr.splitlines():
        if not line.startswith("track-sync: "):
            raise ConsoleBug(f"{line!r} continues a message\n{result.explain()}")
    return failed[-1]


def materialized_partitions(site: Site) -> set[str]:
    with site.instance() as instance:
        keys = instance.get_dynamic_partitions(TRACK_PARTITIONS.name)
        statuses = instance.get_status_by_partition(DASHBOARDS_KEY, keys, TRACK_PARTITIONS) or {}
    return {k for k, s in statuses.items() if s == AssetPartitionStatus.MATERIALIZED}


def stored_dashboards(site: Site) -> dict[str, str | None]:
    """Slug -> content hash of every track whose dashboard is in the catalogue."""
    with site.store() as store:
        states = store.dashboard_states()
    return {k: s.validators.content_hash for k, s in states.items() if s.dashboard is not None}


def test_the_catalogue_made_unwritable_mid_dashboards_fails_and_refetch_repairs(
    sites: SiteFactory, clean_catalogue: pd.DataFrame
) -> None:
    site = sites("unwritable", latency_ms=150)
    sync = site.start("sync")
    wait_for("60 dashboards answered", lambda: len(site.dashboard_requests()) >= 60, 120, 0.05)
    with unwritable(site):
        result = site.finish(sync)
    assert result.returncode == 1, result.explain()
    stored = stored_dashboards(site)
    materialized = materialized_partitions(site)
    assert 0 < len(stored) < 100, f"the fault landed mid-dashboards: {len(stored)} stored"
    assert materialized <= set(stored), "a partition shown materialized has no stored data"

    repair = site.run("refetch")

    assert repair.returncode == 0, explain(repair)
    assert f"re-fetching {100 - len(stored)} tracks" in repair.stdout, explain(repair)
    after = stored_dashboards(site)
    lost = [slug for slug, digest in stored.items() if after.get(slug) != digest]
    diffs = differing_tracks(clean_catalogue, site.catalogue())
    record_result(
        "catalogue unwritable mid-dashboards, then refetch",
        site.database,
        f"sync exit {result.returncode}, {len(stored)} stored, refetch repaired",
        len(lost) + len(diffs),
    )
    assert lost == [], "a dashboard stored before the fault was lost"
    assert diffs == {}, "refetch did not bring the catalogue to a clean run's"
    check_console(result, DATABASE_MESSAGES)


def test_the_catalogue_made_unwritable_mid_catalogue_fails_and_the_next_sync_repairs(
    sites: SiteFactory, clean_catalogue: pd.DataFrame
) -> None:
    site = sites("unwritable")
    sync = site.start("sync")

    def catalogue_running() -> bool:
        assert sync.poll() is None, "the sync ended before its catalogue run was seen"
        return site.running_with_pid("catalogue_job") is not None

    wait_for("the catalogue run", catalogue_running, 120, 0.05)
    with unwritable(site):
        result = site.finish(sync)
    assert result.returncode == 1, result.explain()
    stored = stored_dashboards(site)
    assert len(stored) == 100, "every dashboard was stored before the catalogue job"
    with site.store() as store:
        tracks_before_repair = len(store.tracks_frame())

    repair = site.run("sync")

    assert repair.returncode == 0, explain(repair)
    after = stored_dashboards(site)
    lost = [slug for slug, digest in stored.items() if after.get(slug) != digest]
    diffs = differing_tracks(clean_catalogue, site.catalogue())
    record_result(
        "catalogue unwritable mid-catalogue, then sync",
        site.database,
        f"sync exit {result.returncode}, next sync repaired",
        len(lost) + len(diffs),
    )
    assert tracks_before_repair in (0, 100), "the catalogue update is all or nothing"
    assert lost == [] and diffs == {}
    check_console(result, DATABASE_MESSAGES)


@pytest.mark.parametrize("database", ["sqlite"])
def test_the_sqlite_folder_removed_mid_run_fails_loudly_and_creates_nothing(
    sites: SiteFactory,
) -> None:
    site = sites("removed", latency_ms=150)
    folder = _sqlite_path(site).parent
    sync = site.start("sync")
    wait_for("60 dashboards answered", lambda: len(site.dashboard_requests()) >= 60, 120, 0.05)
    shutil.rmtree(folder)
    result = site.finish(sync)

    assert result.returncode == 1, result.explain()
    assert not folder.exists(), "an empty catalogue was created after the folder was removed"
    record_result(
        "SQLite folder removed mid-dashboards",
        site.database,
        f"exit {result.returncode}, nothing re-created",
        0,
    )
    check_console(result, re.compile(r"catalogue database .* (was removed|does not exist)"))
