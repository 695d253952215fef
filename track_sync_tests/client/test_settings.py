"""Configuration (the environment mapped in one place), the kill switch and the bot's identity."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import track_sync_assets.liverc.client as client_package
from track_sync_assets.environment.client import (
    client_settings_from_env,
    kill_switch_from_env,
    kill_switch_stop_check,
)
from track_sync_assets.liverc.client import (
    ClientConfigError,
    ClientSettings,
    package_version,
    user_agent,
)


def test_defaults_are_the_real_liverc_urls_and_the_documented_limits() -> None:
    settings = client_settings_from_env({})
    assert settings.list_url == "https://live.liverc.com/"
    assert settings.track_url_template == "https://{slug}.liverc.com/"
    assert (settings.max_concurrency, settings.max_rps) == (6, 3.0)
    assert (settings.connect_timeout_s, settings.read_timeout_s, settings.request_timeout_s) == (
        5.0,
        20.0,
        30.0,
    )
    assert (settings.max_attempts, settings.backoff_base_s, settings.retry_after_cap_s) == (
        4,
        1.0,
        60.0,
    )


def test_every_setting_can_come_from_the_environment() -> None:
    env = {
        "LIVERC_LIST_URL": "http://127.0.0.1:8080/",
        "LIVERC_TRACK_URL_TEMPLATE": "http://127.0.0.1:8080/tracks/{slug}/",
        "TRACK_SYNC_CONTACT": "ops@example.org",
        "TRACK_SYNC_PROJECT_URL": "https://example.org/ts",
        "TRACK_SYNC_MAX_CONCURRENCY": "2",
        "TRACK_SYNC_MAX_RPS": " 1.5 ",
        "TRACK_SYNC_MIN_RPS": "0.1",
        "TRACK_SYNC_CONNECT_TIMEOUT_S": "0.5",
        "TRACK_SYNC_READ_TIMEOUT_S": "0.7",
        "TRACK_SYNC_REQUEST_TIMEOUT_S": "1",
        "TRACK_SYNC_MAX_ATTEMPTS": "2",
        "TRACK_SYNC_BACKOFF_BASE_S": "0.01",
        "TRACK_SYNC_BACKOFF_CAP_S": "0.1",
        "TRACK_SYNC_RETRY_AFTER_CAP_S": "5",
    }
    settings = client_settings_from_env(env)
    assert settings == ClientSettings(
        list_url="http://127.0.0.1:8080/",
        track_url_template="http://127.0.0.1:8080/tracks/{slug}/",
        contact="ops@example.org",
        project_url="https://example.org/ts",
        max_concurrency=2,
        max_rps=1.5,
        min_rps=0.1,
        connect_timeout_s=0.5,
        read_timeout_s=0.7,
        request_timeout_s=1.0,
        max_attempts=2,
        backoff_base_s=0.01,
        backoff_cap_s=0.1,
        retry_after_cap_s=5.0,
    )


def test_overrides_win_over_the_environment() -> None:
    settings = client_settings_from_env({"TRACK_SYNC_MAX_RPS": "9"}, max_rps=2.0)
    assert settings.max_rps == 2.0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRACK_SYNC_MAX_CONCURRENCY": "six"}, "TRACK_SYNC_MAX_CONCURRENCY='six'"),
        ({"TRACK_SYNC_MAX_CONCURRENCY": "0"}, "max_concurrency must be at least 1"),
        ({"TRACK_SYNC_MAX_RPS": "-1"}, "max_rps must be positive"),
        ({"LIVERC_TRACK_URL_TEMPLATE": "https://x.liverc.com/"}, "no {slug} placeholder"),
        ({"LIVERC_LIST_URL": "ftp://live.liverc.com/"}, "not an http"),
        ({"TRACK_SYNC_CONTACT": "a (b)"}, "printable ASCII without"),
        ({"TRACK_SYNC_CONTACT": "Zoë <z@example.org>"}, "printable ASCII without"),
        ({"TRACK_SYNC_PROJECT_URL": "https://x/\nInjected: 1"}, "printable ASCII without"),
    ],
)
def test_invalid_values_are_a_clear_error_naming_the_problem(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ClientConfigError, match=message.replace("{", r"\{").replace("(", r"\(")):
        client_settings_from_env(env)


@pytest.mark.parametrize("value", ["0", "false", "FALSE", " off ", "No", "no\n"])
def test_the_kill_switch_values_that_disable_scraping(value: str) -> None:
    reason = kill_switch_from_env({"TRACK_SYNC_SCRAPE_ENABLED": value})
    assert reason is not None and reason.startswith("TRACK_SYNC_SCRAPE_ENABLED=")


@pytest.mark.parametrize("value", [None, "", "  ", "1", "true", "ON", " yes "])
def test_the_kill_switch_is_on_by_default_and_for_yes_values(value: str | None) -> None:
    env = {} if value is None else {"TRACK_SYNC_SCRAPE_ENABLED": value}
    assert kill_switch_from_env(env) is None


@pytest.mark.parametrize("value", ["disabled", "nope", "2"])
def test_an_unrecognised_kill_switch_value_fails_safe_to_off(value: str) -> None:
    assert kill_switch_from_env({"TRACK_SYNC_SCRAPE_ENABLED": value}) is not None


def test_the_kill_switch_reads_the_process_environment_at_call_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stop_requested = kill_switch_stop_check()
    monkeypatch.setenv("TRACK_SYNC_SCRAPE_ENABLED", "off")
    assert stop_requested() == "TRACK_SYNC_SCRAPE_ENABLED='off' turns scraping off"
    monkeypatch.setenv("TRACK_SYNC_SCRAPE_ENABLED", "on")
    assert stop_requested() is None


def test_the_per_track_host_mapping_comes_from_liverc_resolve() -> None:
    env = {"LIVERC_RESOLVE": "*.liverc.test=127.0.0.1, live.liverc.test=127.0.0.1"}
    settings = client_settings_from_env(env)
    assert settings.resolve == (("*.liverc.test", "127.0.0.1"), ("live.liverc.test", "127.0.0.1"))
    with pytest.raises(ClientConfigError, match="LIVERC_RESOLVE="):
        client_settings_from_env({"LIVERC_RESOLVE": "127.0.0.1"})


def test_the_client_package_reads_no_environment_variable() -> None:
    sources = sorted(Path(client_package.__file__).parent.glob("*.py"))
    readers = re.compile(r"\bos\.environ\b|\bgetenv\b|\bimport os\b")
    offenders = [p.name for p in sources if readers.search(p.read_text(encoding="utf-8"))]
    assert len(sources) > 5 and offenders == []


def test_robots_caching_beyond_rfc_9309s_24_hours_is_refused() -> None:
    with pytest.raises(ClientConfigError, match="24 hours"):
        ClientSettings(robots_max_age_s=25 * 3600)


def test_the_user_agent_names_the_bot_its_version_project_and_contact() -> None:
    assert user_agent("https://example.org/ts", "ops@example.org", version="1.2.3") == (
        "track-sync/1.2.3 (+https://example.org/ts; ops@example.org)"
    )


def test_the_user_agent_version_comes_from_the_installed_package() -> None:
    from importlib.metadata import version

    assert package_version() == version("track-sync")
    assert user_agent("https://p", "c").startswith(f"track-sync/{version('track-sync')} ")


def test_the_default_user_agent_is_never_a_browser() -> None:
    agent = user_agent(ClientSettings().project_url, ClientSettings().contact)
    assert agent.startswith("track-sync/")
    for browser in ("Mozilla", "Chrome", "Safari", "Gecko"):
        assert browser not in agent


def test_an_uninstalled_distribution_falls_back_to_an_unknown_version() -> None:
    assert package_version("no-such-distribution-track-sync") == "0+unknown"
