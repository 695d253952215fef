"""A local stand-in for LiveRC: deterministic pages, day-by-day evolution, injected faults.

Typical use in tests::

    with serve_in_thread(SimulatorConfig(tracks=200, faults=FaultSpec.parse("5xx=0.05"))) as sim:
        fetch(sim.list_url)  # then sim.track_url_template.format(slug=...)
        sim.request_log, sim.catalogue, sim.set_day(2)

See docs/simulator.md for the fault grammar and the day model.
"""

from __future__ import annotations

from track_sync_assets.simulator.catalogue import CatalogueFactory, build_catalogue
from track_sync_assets.simulator.config import SimulatorConfig
from track_sync_assets.simulator.faults import Fault, FaultSpec, FaultSpecError
from track_sync_assets.simulator.server import RequestRecord, Simulator, serve_in_thread
from track_sync_assets.simulator.tracks import Catalogue, SimTrack, day_date, relative_text

__all__ = [
    "Catalogue",
    "CatalogueFactory",
    "Fault",
    "FaultSpec",
    "FaultSpecError",
    "RequestRecord",
    "SimTrack",
    "Simulator",
    "SimulatorConfig",
    "build_catalogue",
    "day_date",
    "relative_text",
    "serve_in_thread",
]
