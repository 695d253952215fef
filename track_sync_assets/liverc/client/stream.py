"""Blocking entry points for synchronous callers (the Dagster steps).

:func:`stream_dashboards` runs one :class:`LiveRCClient` in a worker thread with its own
event loop and hands each :class:`~track_sync_assets.domain.DashboardFetch` to the
caller's thread as it finishes; :func:`fetch_track_list` fetches the list in one call.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import suppress
from typing import Any

from track_sync_assets.domain import DashboardFetch, Validators
from track_sync_assets.liverc.client.liverc import LiveRCClient, TrackListFetch
from track_sync_assets.liverc.client.robots_cache import RobotsCache
from track_sync_assets.liverc.client.settings import ClientSettings
from track_sync_assets.liverc.client.transport import StopRequested

Work = Iterable[tuple[str, Validators | None]]
"""``(slug, previously stored validators)`` per track."""

_DONE = object()
CLOSED_REASON = "the caller stopped reading results"


class DashboardStream:
    """Iterate to fetch: yields each fetch as it ends, from a worker thread's event loop.

    After iteration, :attr:`stats` holds the client's ``stats.snapshot()``. An error in
    the worker (:class:`~track_sync_assets.liverc.client.ScrapingDisabled` when the stop
    check says stop) is raised in the caller's thread once the results before it have
    been yielded. Leaving the loop early (``break``, an exception, :meth:`close`)
    cancels the fetching at once and waits for the thread: no thread outlives the stream.
    """

    def __init__(self, settings: ClientSettings, work: Work, **client_kwargs: Any) -> None:
        self._settings = settings
        self._work = work
        self._client_kwargs = client_kwargs
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._closed = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = threading.Event()
        self._thread: threading.Thread | None = None
        self.stats: dict[str, Any] = {}

    def __iter__(self) -> Iterator[DashboardFetch]:
        if self._thread is not None:
            raise RuntimeError("a DashboardStream can be iterated once")
        self._thread = threading.Thread(target=self._run, name="dashboard-stream", daemon=True)
        self._thread.start()
        try:
            while (item := self._queue.get()) is not _DONE:
                yield item  # type: ignore[misc]
        finally:
            self.close()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Stop fetching now (requests in flight are abandoned) and wait for the thread."""
        self._closed.set()
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return
        self._started.wait()
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not loop.is_closed():
            with suppress(RuntimeError):  # the loop closed in between: the thread is ending
                loop.call_soon_threadsafe(task.cancel)
        thread.join()

    def __enter__(self) -> DashboardStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _stop_requested(self) -> str | None:
        if self._closed.is_set():
            return CLOSED_REASON
        outer: StopRequested | None = self._client_kwargs.get("stop_requested")
        return outer() if outer is not None else None

    async def _main(self) -> None:
        kwargs = {**self._client_kwargs, "stop_requested": self._stop_requested}
        client = LiveRCClient(self._settings, **kwargs)
        try:
            async with client:
                await client.fetch_dashboards(self._work, on_result=self._queue.put)
        finally:
            self.stats = client.stats.snapshot()

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()
            self._started.set()
            if self._closed.is_set():
                return
            await self._main()

        try:
            asyncio.run(main())
        except asyncio.CancelledError:
            pass  # closed by the caller: not an error
        except BaseException as exc:  # handed to the caller's thread, raised there
            self._error = exc
        finally:
            self._started.set()
            self._queue.put(_DONE)


def stream_dashboards(
    settings: ClientSettings,
    work: Work,
    *,
    stop_requested: StopRequested | None = None,
    robots_cache: RobotsCache | None = None,
    **client_kwargs: Any,
) -> DashboardStream:
    """Fetch ``work``'s dashboards in a worker thread; iterate the result to receive them.

    ``client_kwargs`` go to :class:`LiveRCClient` (parsers, ``transport`` for tests).
    """
    return DashboardStream(
        settings,
        work,
        stop_requested=stop_requested,
        robots_cache=robots_cache,
        **client_kwargs,
    )


def fetch_track_list(
    settings: ClientSettings,
    *,
    stop_requested: StopRequested | None = None,
    robots_cache: RobotsCache | None = None,
    **client_kwargs: Any,
) -> TrackListFetch:
    """Fetch and parse the track list (blocking): robots.txt, retries and all.

    Raises like :meth:`LiveRCClient.fetch_track_list`. Not for use inside a running
    event loop.
    """

    async def main() -> TrackListFetch:
        async with LiveRCClient(
            settings, stop_requested=stop_requested, robots_cache=robots_cache, **client_kwargs
        ) as client:
            return await client.fetch_track_list()

    return asyncio.run(main())
