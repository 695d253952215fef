"""Slug validation, the allowlist and robots.txt policies."""

from __future__ import annotations

import asyncio

import pytest

from track_sync_assets.liverc.client import Allowlist, InvalidSlug, validate_slug
from track_sync_assets.liverc.client.robots import RobotsAnswer, RobotsPolicy, RobotsRules
from track_sync_assets.liverc.client.urls import Origin

from .helpers import run


@pytest.mark.parametrize("slug", ["thunderalley", "FastandFunToyandHobby", "4x4club", "a" * 64])
def test_valid_slugs(slug: str) -> None:
    assert validate_slug(slug) == slug


@pytest.mark.parametrize(
    "slug", ["", "a" * 65, "evil.com", "a/b", "a b", "ü", "a-b", "x?y", "a\n", None, 42]
)
def test_invalid_slugs_are_refused(slug: object) -> None:
    with pytest.raises(InvalidSlug):
        validate_slug(slug)


DEFAULT_ALLOWLIST = Allowlist(("https://live.liverc.com/", "https://{slug}.liverc.com/"))


@pytest.mark.parametrize(
    "url",
    [
        "https://live.liverc.com/",
        "https://thunderalley.liverc.com/",
        "https://THUNDERALLEY.LiveRC.com/results/",
        "https://a.b.liverc.com:443/x",
    ],
)
def test_https_liverc_subdomains_are_allowed(url: str) -> None:
    assert DEFAULT_ALLOWLIST.allows(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://thunderalley.liverc.com/",  # not https
        "https://liverc.com.evil.example/",
        "https://evilliverc.com/",
        "https://thunderalley.liverc.com:8443/",
        "https://user:pw@thunderalley.liverc.com/",
        "http://127.0.0.1:8080/",  # not configured
        "ftp://live.liverc.com/",
        "not a url",
    ],
)
def test_everything_else_is_refused(url: str) -> None:
    assert not DEFAULT_ALLOWLIST.allows(url)


def test_configured_origins_are_allowed_exactly() -> None:
    allowlist = Allowlist(("http://127.0.0.1:8080/", "http://127.0.0.1:8080/tracks/{slug}/"))
    assert allowlist.allows("http://127.0.0.1:8080/tracks/alpha/")
    assert allowlist.allows("http://127.0.0.1:8080/robots.txt")
    assert not allowlist.allows("http://127.0.0.1:8081/")
    assert not allowlist.allows("https://127.0.0.1:8080/")
    assert not allowlist.allows("http://localhost:8080/")


def test_a_template_with_the_slug_in_the_host_allows_hosts_of_that_shape_only() -> None:
    allowlist = Allowlist(("http://list.test:8000/", "http://{slug}.tracks.test:8000/"))
    assert allowlist.allows("http://alpha.tracks.test:8000/")
    assert not allowlist.allows("http://a.b.tracks.test:8000/")
    assert not allowlist.allows("http://alpha.tracks.test:9000/")


def test_the_robots_url_of_an_origin() -> None:
    assert Origin.of("https://a.liverc.com/x?y").robots_url == "https://a.liverc.com/robots.txt"
    assert Origin.of("http://127.0.0.1:81/t/").robots_url == "http://127.0.0.1:81/robots.txt"


ORIGIN = Origin.of("http://127.0.0.1:8080/")


def test_a_parsed_robots_txt_is_obeyed_for_track_sync() -> None:
    policy = RobotsPolicy.from_answer(
        ORIGIN,
        RobotsAnswer(200, "User-agent: *\nDisallow: /tracks/secret/\nCrawl-delay: 2\n"),
    )
    assert policy.allows("http://127.0.0.1:8080/tracks/open/")
    assert not policy.allows("http://127.0.0.1:8080/tracks/secret/")
    assert policy.min_interval_s() == 2.0


def test_request_rate_becomes_a_minimum_interval() -> None:
    policy = RobotsPolicy.from_answer(
        ORIGIN, RobotsAnswer(200, "User-agent: *\nRequest-rate: 1/5\n")
    )
    assert policy.min_interval_s() == 5.0


@pytest.mark.parametrize(
    ("answer", "available", "allows"),
    [
        (RobotsAnswer(404), True, True),
        (RobotsAnswer(403), True, True),
        (RobotsAnswer(500), False, False),
        (RobotsAnswer(503), False, False),
        (RobotsAnswer(429), False, False),
        (RobotsAnswer(None, failure="timeout (ReadTimeout) after 4 attempts"), False, False),
    ],
)
def test_robots_answers_map_to_allow_all_or_not_now(
    answer: RobotsAnswer, available: bool, allows: bool
) -> None:
    policy = RobotsPolicy.from_answer(ORIGIN, answer)
    assert policy.available is available
    assert policy.allows("http://127.0.0.1:8080/tracks/a/") is allows


def test_concurrent_first_requests_share_one_robots_fetch_per_origin() -> None:
    fetched: list[str] = []

    async def fetch(url: str, headers: dict[str, str]) -> RobotsAnswer:
        fetched.append(url)
        await asyncio.sleep(0.02)
        return RobotsAnswer(200, "User-agent: *\nDisallow:\n")

    async def go() -> None:
        cache = RobotsRules(fetch)
        await asyncio.gather(
            *(cache.policy_for(f"http://127.0.0.1:8080/tracks/t{n}/") for n in range(10)),
            *(cache.policy_for(f"https://t{n % 2}.liverc.com/") for n in range(10)),
        )
        await cache.policy_for("http://127.0.0.1:8080/again/")
        await cache.aclose()

    run(go())
    assert sorted(fetched) == [
        "http://127.0.0.1:8080/robots.txt",
        "https://t0.liverc.com/robots.txt",
        "https://t1.liverc.com/robots.txt",
    ]


def test_a_robots_fetch_that_raises_is_not_cached() -> None:
    calls: list[str] = []

    async def fetch(url: str, headers: dict[str, str]) -> RobotsAnswer:
        calls.append(url)
        if len(calls) == 1:
            raise RuntimeError("kill switch")
        return RobotsAnswer(404)

    async def go() -> bool:
        cache = RobotsRules(fetch)
        with pytest.raises(RuntimeError):
            await cache.policy_for("https://a.liverc.com/")
        return (await cache.policy_for("https://a.liverc.com/")).allows("https://a.liverc.com/")

    assert run(go()) is True
    assert len(calls) == 2
