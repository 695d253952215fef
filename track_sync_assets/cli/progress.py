"""Progress on the terminal: redrawn in place on a TTY, plain periodic lines otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

PLAIN_EVERY_S = 10.0


class ProgressPrinter:
    """Receives progress lines; draws them for a person or a log file."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._last_plain = 0.0
        self._drawn = False

    def __call__(self, line: str, finished: bool) -> None:
        if self._tty:
            self._stream.write("\r\033[K" + line + ("\n" if finished else ""))
            self._drawn = not finished
        elif finished or time.monotonic() - self._last_plain >= PLAIN_EVERY_S:
            self._last_plain = time.monotonic()
            self._stream.write(line + "\n")
        self._stream.flush()

    def clear(self) -> None:
        if self._drawn:
            self._stream.write("\r\033[K")
            self._stream.flush()
            self._drawn = False


@contextmanager
def showing_progress(stream: TextIO = sys.stdout) -> Iterator[ProgressPrinter]:
    """Show the progress of fetches run in this process while the block runs."""
    from track_sync_assets.defs.progress import LISTENERS

    printer = ProgressPrinter(stream)
    LISTENERS.append(printer)
    try:
        yield printer
    finally:
        LISTENERS.remove(printer)
        printer.clear()
