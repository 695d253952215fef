"""Small helpers every asset uses: which sync a run belongs to, and async client calls."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from dagster import AssetCheckExecutionContext, AssetExecutionContext

from track_sync_assets.defs.tags import SYNC_ID_TAG
from track_sync_assets.liverc.client import ClientSettings, LiveRCClient

T = TypeVar("T")


def sync_id_of(context: AssetExecutionContext | AssetCheckExecutionContext) -> str:
    """The sync this run belongs to: the tag set by the chain, else the run itself."""
    return context.run.tags.get(SYNC_ID_TAG) or context.run_id


def with_client(settings: ClientSettings, work: Callable[[LiveRCClient], Awaitable[T]]) -> T:
    """Run ``work`` with one client (one connection pool, one politeness budget)."""

    async def main() -> T:
        async with LiveRCClient(settings) as client:
            return await work(client)

    return asyncio.run(main())
