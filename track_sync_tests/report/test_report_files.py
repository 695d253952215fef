"""The reports folder: file names, atomic writes, pruning by age and where the folder is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from track_sync_assets.report import prune_reports, report_path, write_report
from track_sync_assets.report.files import reports_dir

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def make_report(directory: Path, generated_at: datetime, text: str = "# report\n") -> Path:
    path = report_path(directory, generated_at)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- report_path ---


def test_report_path_names_the_file_after_the_utc_second() -> None:
    path = report_path(Path("/reports"), datetime(2026, 1, 5, 6, 30, 15, 999, tzinfo=UTC))
    assert path == Path("/reports/track-sync-2026-01-05-06-30-15.md")


def test_report_path_converts_other_zones_to_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    path = report_path(Path("r"), datetime(2026, 1, 1, 8, 0, 0, tzinfo=tokyo))
    assert path.name == "track-sync-2025-12-31-23-00-00.md"


# --- write_report ---


def test_write_report_creates_the_folder_and_writes_utf8_text(tmp_path: Path) -> None:
    directory = tmp_path / "nested" / "reports"
    path = write_report(directory, NOW, "# Rennstrecke Köln ∅\n")
    assert path == directory / "track-sync-2026-03-01-12-00-00.md"
    assert path.read_text(encoding="utf-8") == "# Rennstrecke Köln ∅\n"
    assert [p.name for p in directory.iterdir()] == [path.name], "no temp file left behind"


def test_write_report_replaces_a_report_of_the_same_second(tmp_path: Path) -> None:
    write_report(tmp_path, NOW, "first\n")
    path = write_report(tmp_path, NOW, "second\n")
    assert path.read_text(encoding="utf-8") == "second\n"
    assert len(list(tmp_path.iterdir())) == 1


def test_write_report_never_leaves_a_half_written_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text goes to a temp file first; the report only appears by the final rename."""
    path = write_report(tmp_path, NOW, "complete old report\n")

    def interrupted(self: Path, target: Path) -> Path:
        raise OSError("disk pulled out mid-write")

    monkeypatch.setattr(Path, "replace", interrupted)
    with pytest.raises(OSError, match="disk pulled out"):
        write_report(tmp_path, NOW, "new report that never lands\n")
    assert path.read_text(encoding="utf-8") == "complete old report\n"
    with pytest.raises(OSError):
        write_report(tmp_path, NOW + timedelta(seconds=1), "another\n")
    assert not report_path(tmp_path, NOW + timedelta(seconds=1)).exists()


# --- prune_reports ---


def test_prune_deletes_only_reports_older_than_the_retention(tmp_path: Path) -> None:
    old = make_report(tmp_path, NOW - timedelta(days=91))
    just_old = make_report(tmp_path, NOW - timedelta(days=90, seconds=1))
    edge = make_report(tmp_path, NOW - timedelta(days=90))
    recent = make_report(tmp_path, NOW - timedelta(days=1))
    removed = prune_reports(tmp_path, now=NOW, retention_days=90)
    assert removed == sorted([old, just_old])
    assert not old.exists() and not just_old.exists()
    assert edge.exists() and recent.exists()


def test_prune_judges_age_by_the_name_not_the_file_time(tmp_path: Path) -> None:
    """A freshly copied old report is still old; a touched file does not get younger."""
    old = make_report(tmp_path, NOW - timedelta(days=400))
    assert prune_reports(tmp_path, now=NOW, retention_days=30) == [old]


def test_prune_leaves_every_other_file_alone(tmp_path: Path) -> None:
    keep = [
        tmp_path / "README.md",
        tmp_path / "notes-2020-01-01.md",
        tmp_path / "track-sync-2020-01-01-00-00-00.md.tmp",
        tmp_path / "track-sync-2020-01-01-00-00-00.txt",
        tmp_path / "track-sync-2020-01-01.md",
        tmp_path / "old-track-sync-2020-01-01-00-00-00.md",
        tmp_path / "track-sync-2020-13-45-99-99-99.md",  # shaped like a report, not a date
    ]
    for path in keep:
        path.write_text("keep me\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    folder_named_like_a_report = tmp_path / "track-sync-2000-01-01-00-00-00.md"
    folder_named_like_a_report.mkdir()
    nested = make_report(tmp_path / "sub", NOW - timedelta(days=1000))
    old = make_report(tmp_path, NOW - timedelta(days=1000))
    assert prune_reports(tmp_path, now=NOW, retention_days=90) == [old]
    assert all(path.exists() for path in keep)
    assert nested.exists(), "only the folder itself is pruned, not sub-folders"
    assert folder_named_like_a_report.is_dir()


def test_prune_of_a_missing_folder_removes_nothing(tmp_path: Path) -> None:
    assert prune_reports(tmp_path / "absent", now=NOW, retention_days=1) == []


def test_prune_compares_in_utc_whatever_zone_now_is_in(tmp_path: Path) -> None:
    report = make_report(tmp_path, NOW - timedelta(days=1, hours=1))
    tokyo_now = NOW.astimezone(timezone(timedelta(hours=9)))
    assert prune_reports(tmp_path, now=tokyo_now, retention_days=2) == []
    assert prune_reports(tmp_path, now=tokyo_now, retention_days=1) == [report]


@pytest.mark.parametrize("days", [0, -5])
def test_a_retention_below_one_day_is_refused(tmp_path: Path, days: int) -> None:
    report = make_report(tmp_path, NOW - timedelta(days=3))
    with pytest.raises(ValueError, match="retention_days"):
        prune_reports(tmp_path, now=NOW, retention_days=days)
    assert report.exists()


# --- reports_dir ---


def test_reports_dir_defaults_to_docs_reports_under_the_project(tmp_path: Path) -> None:
    assert reports_dir(tmp_path) == tmp_path / "docs" / "reports"
    assert reports_dir(tmp_path, "   ") == tmp_path / "docs" / "reports"


def test_reports_dir_relative_path_is_resolved_against_the_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")  # not where relative paths are taken from
    project = tmp_path / "project"
    assert reports_dir(project, "var/reports") == project / "var" / "reports"


def test_reports_dir_absolute_path_is_taken_as_is(tmp_path: Path) -> None:
    assert reports_dir(Path("/project"), f" {tmp_path / 'elsewhere'} ") == tmp_path / "elsewhere"


def test_reports_dir_expands_the_home_folder() -> None:
    expected = Path.home() / "track-sync-reports"
    assert reports_dir(Path("/project"), "~/track-sync-reports") == expected
