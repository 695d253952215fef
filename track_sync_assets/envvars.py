"""Reading numeric settings from environment variables, with errors that name the variable."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TypeVar

N = TypeVar("N", int, float)


def env_number(
    name: str,
    default: N,
    *,
    kind: Callable[[str], N],
    minimum: float | None = None,
    maximum: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> N:
    """``name`` parsed with ``kind`` (``int`` or ``float``), ``default`` when unset or blank.

    Raises ``ValueError`` naming the variable and the value when it is not a number of
    that kind or lies outside ``[minimum, maximum]``.
    """
    raw = (os.environ if environ is None else environ).get(name, "").strip()
    if not raw:
        return default
    what = "a whole number" if kind is int else "a number"
    bounds = " ".join(
        part
        for part in (
            f"at least {minimum:g}" if minimum is not None else "",
            f"at most {maximum:g}" if maximum is not None else "",
        )
        if part
    )
    expected = f"{what}{', ' + bounds if bounds else ''}"
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r}: expected {expected}") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name}={raw!r}: expected {expected}")
    return value
