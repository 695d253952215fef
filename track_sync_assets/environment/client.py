"""Environment variables -> :class:`~track_sync_assets.liverc.client.ClientSettings`,
and the deploy-time kill switch ``TRACK_SYNC_SCRAPE_ENABLED``.

The client itself reads no environment: this module is where its variables are mapped
(docs/client.md lists them). Errors name the variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import fields

from track_sync_assets.liverc.client import ClientConfigError, ClientSettings, StopRequested

KILL_SWITCH_VAR = "TRACK_SYNC_SCRAPE_ENABLED"
_KILL_SWITCH_ON = frozenset({"", "1", "true", "on", "yes"})
RESOLVE_VAR = "LIVERC_RESOLVE"
"""``HOST=IP[,HOST=IP...]`` (``*.domain`` allowed): the simulator's per-track hosts."""

ENV_VARS: dict[str, str] = {
    "LIVERC_LIST_URL": "list_url",
    "LIVERC_TRACK_URL_TEMPLATE": "track_url_template",
    "TRACK_SYNC_CONTACT": "contact",
    "TRACK_SYNC_PROJECT_URL": "project_url",
    "TRACK_SYNC_MAX_CONCURRENCY": "max_concurrency",
    "TRACK_SYNC_MAX_RPS": "max_rps",
    "TRACK_SYNC_MIN_RPS": "min_rps",
    "TRACK_SYNC_CONNECT_TIMEOUT_S": "connect_timeout_s",
    "TRACK_SYNC_READ_TIMEOUT_S": "read_timeout_s",
    "TRACK_SYNC_REQUEST_TIMEOUT_S": "request_timeout_s",
    "TRACK_SYNC_MAX_ATTEMPTS": "max_attempts",
    "TRACK_SYNC_BACKOFF_BASE_S": "backoff_base_s",
    "TRACK_SYNC_BACKOFF_CAP_S": "backoff_cap_s",
    "TRACK_SYNC_RETRY_AFTER_CAP_S": "retry_after_cap_s",
}
"""Environment variable -> ClientSettings field (blank means the field's default)."""

_CONVERTERS: dict[str, Callable[[str], object]] = {"str": str, "int": int, "float": float}


def client_settings_from_env(
    environ: Mapping[str, str] | None = None, **overrides: object
) -> ClientSettings:
    """Settings from the environment (see :data:`ENV_VARS`); ``overrides`` win.

    Raises :class:`ClientConfigError` naming the variable of a bad value.
    """
    env = os.environ if environ is None else environ
    types = {f.name: f.type for f in fields(ClientSettings)}
    values: dict[str, object] = {}
    for var, name in ENV_VARS.items():
        raw = env.get(var)
        if raw is None or not raw.strip():
            continue
        values[name] = _convert(var, raw.strip(), _CONVERTERS[str(types[name])])
    resolve = env.get(RESOLVE_VAR, "").strip()
    if resolve:
        values["resolve"] = parse_resolve(resolve)
    values.update(overrides)
    return ClientSettings(**values)  # type: ignore[arg-type]


def parse_resolve(raw: str) -> tuple[tuple[str, str], ...]:
    """``*.liverc.test=127.0.0.1,other=10.0.0.1`` -> pairs; errors name :data:`RESOLVE_VAR`."""
    pairs = []
    for item in (part.strip() for part in raw.split(",")):
        host, sep, address = (part.strip() for part in item.partition("="))
        if not sep or not host or not address:
            raise ClientConfigError(f"{RESOLVE_VAR}={raw!r}: expected HOST=IP[,HOST=IP...]")
        pairs.append((host, address))
    return tuple(pairs)


def kill_switch_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """Why scraping must stop according to ``TRACK_SYNC_SCRAPE_ENABLED``, else None.

    Off: ``0``, ``false``, ``off``, ``no``; on: unset, empty, ``1``, ``true``, ``on``,
    ``yes`` (trimmed, case-insensitive). Any other value counts as off: a kill switch
    fails safe.
    """
    env = os.environ if environ is None else environ
    raw = env.get(KILL_SWITCH_VAR, "")
    if raw.strip().lower() in _KILL_SWITCH_ON:
        return None
    return f"{KILL_SWITCH_VAR}={raw.strip()!r} turns scraping off"


def kill_switch_stop_check(environ: Mapping[str, str] | None = None) -> StopRequested:
    """A ``stop_requested`` for the client reading the variable at every call (the process's
    environment by default)."""
    return lambda: kill_switch_from_env(environ)


def _convert(var: str, raw: str, converter: Callable[[str], object]) -> object:
    try:
        return converter(raw)
    except ValueError:
        raise ClientConfigError(f"{var}={raw!r} is not a valid {converter.__name__}") from None
