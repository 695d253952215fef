"""Parsing one environment value, with errors that name the variable."""

from __future__ import annotations

from collections.abc import Mapping

from track_sync_assets.envvars import env_number

_TRUE = frozenset({"1", "true", "on", "yes"})
_FALSE = frozenset({"0", "false", "off", "no"})


def env_flag(environ: Mapping[str, str], name: str, *, fail_safe: bool | None = None) -> bool:
    """``on``/``off`` (also 1/0, true/false, yes/no), case-insensitive.

    An unrecognised value raises ``ValueError`` naming the variable, unless ``fail_safe``
    says what it counts as (a kill switch fails safe: unknown means off).
    """
    raw = environ.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    if fail_safe is not None:
        return fail_safe
    raise ValueError(f"{name}={raw!r}: expected on or off")


def env_float(
    environ: Mapping[str, str],
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    """A number (the variable must be set and non-blank)."""
    return env_number(name, 0.0, kind=float, minimum=minimum, maximum=maximum, environ=environ)


def env_int_list(environ: Mapping[str, str], name: str) -> list[int]:
    """Comma-separated whole numbers, each at least 1 (``30,120,360``)."""
    raw = environ.get(name, "").strip()
    try:
        values = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"{name}={raw!r}: expected whole numbers separated by commas") from None
    if any(value < 1 for value in values):
        raise ValueError(f"{name}={raw!r}: every value must be at least 1")
    return values
