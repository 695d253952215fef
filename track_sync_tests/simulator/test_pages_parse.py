"""Every simulated page parses, with the project's parsers, to the catalogue's ground truth."""

from __future__ import annotations

import httpx
import pytest

from track_sync_assets.liverc.parsing import (
    DashboardStructureError,
    TrackListStructureError,
    parse_dashboard,
    parse_track_list,
)
from track_sync_assets.simulator import (
    CatalogueFactory,
    FaultSpec,
    SimulatorConfig,
    markup,
    serve_in_thread,
)
from track_sync_assets.simulator.pages import DayPages


@pytest.fixture(scope="module")
def factory() -> CatalogueFactory:
    return CatalogueFactory(seed=1, size=1090)


@pytest.mark.parametrize("day", [1, 5])
def test_track_list_parses_to_the_listed_tracks(factory: CatalogueFactory, day: int) -> None:
    catalogue = factory.day(day)
    assert parse_track_list(markup.track_list_page(catalogue)) == catalogue.listings()


@pytest.mark.parametrize("day", [1, 5])
def test_every_dashboard_parses_to_its_ground_truth(factory: CatalogueFactory, day: int) -> None:
    catalogue = factory.day(day)
    mismatches = {}
    for track in catalogue.tracks.values():  # listed, departed and dormant tracks
        parsed = parse_dashboard(markup.dashboard_page(track))
        if parsed != track.dashboard() or parsed.discrepancies:
            mismatches[track.slug] = (parsed, track.dashboard())
    assert not mismatches


def test_served_pages_parse_like_the_rendered_ones() -> None:
    config = SimulatorConfig(tracks=150)
    with serve_in_thread(config) as sim, httpx.Client() as client:
        assert parse_track_list(client.get(sim.list_url).text) == sim.catalogue.listings()
        for track in sim.catalogue.listed[:20]:
            page = client.get(sim.track_url(track.slug)).text
            assert parse_dashboard(page) == track.dashboard()


def test_fault_pages_are_rejected_or_short_for_the_parsers(factory: CatalogueFactory) -> None:
    catalogue = factory.day(1)
    pages = DayPages(catalogue, (), None)
    track = catalogue.listed[0]
    with pytest.raises(DashboardStructureError):
        parse_dashboard(pages.malformed_dashboard(track).body.decode())
    with pytest.raises(TrackListStructureError):
        parse_track_list(pages.maintenance().body.decode())
    with pytest.raises(TrackListStructureError):
        parse_track_list(pages.cut_list().body.decode())
    rows = FaultSpec.parse("list_rows=100").list_rows
    truncated = parse_track_list(pages.truncated_list(rows).body.decode())
    assert truncated == catalogue.listings()[:rows]
