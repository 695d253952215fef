"""All-or-nothing file writes: stage temp files in the target folder, then swap them in."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

TEMP_PREFIX = ".export-"
TEMP_SUFFIX = ".tmp"


class StagedFiles:
    """Files written to temp names in one folder, renamed over their targets together.

    ``add(name, write)`` calls ``write(handle)`` on a temp file of ``folder`` and fsyncs it;
    :meth:`commit` renames every staged file over its target (``os.replace``, atomic on
    POSIX) and fsyncs the folder. A reader sees the old file or the new one, never a
    partial one. Use it as a context manager: temp files left uncommitted are removed.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._staged: list[tuple[Path, Path]] = []

    def add(self, name: str, write: Callable[[BinaryIO], object]) -> None:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, kept on success
            dir=self.folder, prefix=f"{TEMP_PREFIX}{name}.", suffix=TEMP_SUFFIX, delete=False
        )
        temp = Path(handle.name)
        target = self.folder / name
        try:
            with handle:
                # mkstemp's 0600 would hide the exports from other users: keep the
                # target's mode, or rw-r--r-- for a new file.
                os.chmod(temp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        self._staged.append((temp, target))

    def commit(self) -> list[Path]:
        """Move every staged file into place; returns the target paths."""
        targets = []
        while self._staged:
            temp, target = self._staged.pop(0)
            os.replace(temp, target)
            targets.append(target)
        _fsync_dir(self.folder)
        return targets

    def discard(self) -> None:
        while self._staged:
            temp, _ = self._staged.pop()
            temp.unlink(missing_ok=True)

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.discard()


@contextlib.contextmanager
def staged_files(folder: Path) -> Iterator[StagedFiles]:
    """A :class:`StagedFiles` for ``folder`` (created if missing); commit before leaving."""
    folder.mkdir(parents=True, exist_ok=True)
    with StagedFiles(folder) as staged:
        yield staged


def remove_stale_temp_files(folder: Path, *, older_than_s: float = 3600.0) -> list[Path]:
    """Remove temp files a killed process left in ``folder`` (only ours, only old ones)."""
    if not folder.is_dir():
        return []
    cutoff = time.time() - older_than_s
    removed = []
    for path in folder.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
    return removed


def _fsync_dir(folder: Path) -> None:
    """Make the renames durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
