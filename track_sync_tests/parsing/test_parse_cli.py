"""``track-sync parse list|dashboard FILE``, run as the installed console script."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from track_sync_tests.conftest import TRACK_SYNC, real_expected, real_page_path

FIXTURES = Path(__file__).parent / "fixtures"
LISTING_KEYS = [
    "slug",
    "name",
    "track_url",
    "activity",
    "has_live_video",
    "is_featured",
    "last_updated_text",
    "latest_event_name",
]
DASHBOARD_KEYS = [
    "name",
    "street_address",
    "city",
    "state",
    "postal_code",
    "country",
    "country_code",
    "phone",
    "phone_e164",
    "website",
    "email",
    "description",
    "logo_url",
    "facebook_url",
    "total_laps",
    "total_practice_sessions",
    "total_races",
    "total_entries",
    "total_events",
    "is_live",
    "results_this_month",
    "sessions_this_month",
    "videos_this_month",
]


def track_sync(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TRACK_SYNC), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_parse_list_prints_every_track_of_the_real_page_as_a_json_array():
    run = track_sync("parse", "list", real_page_path("track-list_2025-12-16.html"))
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    tracks = json.loads(run.stdout)
    assert len(tracks) == real_expected("track-list_2025-12-16.json")["total_rows"]
    assert all(list(track) == LISTING_KEYS for track in tracks)
    assert tracks[0] == {
        "slug": "raceplacerc",
        "name": "Race Place RC",
        "track_url": "https://raceplacerc.liverc.com/",
        "activity": "racing",
        "has_live_video": True,
        "is_featured": False,
        "last_updated_text": "1 minute ago",
        "latest_event_name": "Winter Race Series #1",
    }
    assert {track["activity"] for track in tracks} == {"racing", "practising", "offline"}
    assert run.stdout.startswith('[\n  {\n    "slug"')


def test_parse_list_writes_non_ascii_text_as_is():
    run = track_sync("parse", "list", FIXTURES / "track_list_small.html")
    assert run.returncode == 0, run.stderr
    assert "서울 RC 서킷" in run.stdout
    assert "上海飞驰遥控车俱乐部" in run.stdout
    assert "\\u" not in run.stdout


@pytest.mark.parametrize(
    ("slug", "page"),
    [
        ("thunderalley", "dashboards/thunderalley_2026-01.html"),
        ("canberraoffroad", "dashboards/canberraoffroad_2026-03-07.html"),
    ],
)
def test_parse_dashboard_prints_the_real_dashboard_as_one_json_object(slug, page):
    run = track_sync("parse", "dashboard", real_page_path(page))
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    data = json.loads(run.stdout)
    assert list(data) == DASHBOARD_KEYS
    expected = real_expected(f"dashboard-{slug}.json")
    assert data["name"] == expected["track_name"]
    for key in ("street_address", "city", "state", "postal_code", "country_code", "email"):
        assert data[key] == expected[key]
    assert "AIza" not in run.stdout


def test_parse_dashboard_reports_discrepancies_as_warnings_on_stderr():
    run = track_sync("parse", "dashboard", FIXTURES / "dashboard_chinese_email_mismatch.html")
    assert run.returncode == 0
    assert json.loads(run.stdout)["email"] == "racing@feichi-rc.cn"
    [warning] = run.stderr.splitlines()
    assert "warning" in warning
    assert "info@feichi-rc.cn" in warning


@pytest.mark.parametrize(
    ("kind", "page", "named"),
    [
        ("list", FIXTURES / "track_list_truncated.html", "truncated"),
        ("list", FIXTURES / "maintenance.html", "maintenance page"),
        ("list", FIXTURES / "dashboard_minimal_comma_street.html", "track dashboard"),
        ("dashboard", FIXTURES / "track_list_small.html", "track list"),
        ("dashboard", FIXTURES / "maintenance.html", "no About panel"),
        ("list", FIXTURES / "no-such-page.html", "cannot read"),
        ("dashboard", FIXTURES, "cannot read"),
    ],
)
def test_a_page_that_is_not_what_it_should_be_exits_2_with_one_line_on_stderr(kind, page, named):
    run = track_sync("parse", kind, page)
    assert run.returncode == 2
    assert run.stdout == ""
    [line] = run.stderr.splitlines()
    assert line.startswith(f"track-sync parse {kind}: error: ")
    assert named in line
    assert "Traceback" not in run.stderr


def test_a_file_that_is_not_utf8_exits_2(tmp_path):
    page = tmp_path / "latin1.html"
    page.write_bytes("<html><title>Caf\u00e9</title></html>".encode("latin-1"))
    run = track_sync("parse", "list", page)
    assert run.returncode == 2
    assert run.stdout == ""
    [line] = run.stderr.splitlines()
    assert "not UTF-8" in line
