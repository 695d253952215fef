"""Small helpers every asset uses: which sync a run belongs to, and async client calls."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from dagster import AssetCheckExecutionContext, AssetExecutionContext, Failure

from track_sync_assets.defs.chain import sync_id_of_run
from track_sync_assets.liverc.client import ClientSettings, LiveRCClient
from track_sync_assets.store import CatalogueStore, TrackListSnapshot

T = TypeVar("T")


def sync_id_of(context: AssetExecutionContext | AssetCheckExecutionContext) -> str:
    """The sync this run belongs to: the tag set by the chain, else the run itself."""
    return sync_id_of_run(context.run)


def require_track_list(store: CatalogueStore) -> TrackListSnapshot:
    """The latest stored track list; a clear ``Failure`` when none was fetched yet."""
    snapshot = store.latest_track_list()
    if snapshot is None:
        raise Failure(description="No track list has been fetched yet: materialize it first.")
    return snapshot


def with_client(settings: ClientSettings, work: Callable[[LiveRCClient], Awaitable[T]]) -> T:
    """Run ``work`` with one client (one connection pool, one politeness budget)."""

    async def main() -> T:
        async with LiveRCClient(settings) as client:
            return await work(client)

    return asyncio.run(main())
