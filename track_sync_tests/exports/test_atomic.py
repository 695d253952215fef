"""The exports are replaced all at once: a failed write keeps the previous files, no temp."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pytest

from track_sync_assets.exports import writer
from track_sync_assets.exports.atomic import staged_files
from track_sync_assets.exports.tables import write_parquet

FILES = ("tracks.geojson", "tracks.csv", "tracks.parquet", "tracks_map.png")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_failing_write_leaves_the_previous_files_and_no_temp_file(
    tracks_frame: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "exports"  # the catalogue file lives in tmp_path itself
    writer.write_exports(tracks_frame, folder)
    before = snapshot(folder)
    assert sorted(before) == sorted(FILES)

    def half_then_fail(frame: pd.DataFrame, handle: BinaryIO) -> None:
        handle.write(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(writer, "write_parquet", half_then_fail)
    fewer = tracks_frame[tracks_frame["slug"] != "munich"]
    with pytest.raises(OSError, match="disk full"):
        writer.write_exports(fewer, folder)
    # The GeoJSON and CSV were staged before the failure: they were not swapped in either.
    assert snapshot(folder) == before

    monkeypatch.setattr(writer, "write_parquet", write_parquet)
    result = writer.write_exports(fewer, folder)
    assert result.rows == 5
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)
    assert snapshot(folder)["tracks.csv"] != before["tracks.csv"]


def test_committed_files_are_readable_by_others(tmp_path: Path) -> None:
    with staged_files(tmp_path) as staged:
        staged.add("a.txt", lambda handle: handle.write(b"a"))
        staged.commit()
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
    os.chmod(tmp_path / "a.txt", 0o640)
    with staged_files(tmp_path) as staged:
        staged.add("a.txt", lambda handle: handle.write(b"b"))
        staged.commit()
    assert (tmp_path / "a.txt").read_bytes() == b"b"
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o640


def test_uncommitted_staged_files_are_removed(tmp_path: Path) -> None:
    with staged_files(tmp_path) as staged:
        staged.add("a.txt", lambda handle: handle.write(b"a"))
        assert len(list(tmp_path.iterdir())) == 1  # the temp file, in the target folder
    assert list(tmp_path.iterdir()) == []


def test_old_temp_files_of_a_killed_run_are_swept(
    tracks_frame: pd.DataFrame, tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    old = folder / ".export-tracks.csv.abc123.tmp"
    fresh = folder / ".export-tracks.csv.def456.tmp"  # perhaps another writer's, right now
    other = folder / "notes.tmp"
    for path in (old, fresh, other):
        path.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    os.utime(other, (two_hours_ago, two_hours_ago))
    writer.write_exports(tracks_frame, folder, with_map=False)
    assert not old.exists()
    assert fresh.exists() and other.exists()
