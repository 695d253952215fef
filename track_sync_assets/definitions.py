"""The Dagster code location of track-sync (``workspace.yaml`` and ``dg`` load ``defs``).

Everything under ``defs/`` is discovered by :func:`dagster.load_from_defs_folder`; the
resources are bound here, from the environment (docs/configuration.md) or, in tests and
``track-sync demo``, from explicit fields. Steps run in the run's own process
(``in_process_executor``): a sync's steps are sequential, and each run sets its
resources (one catalogue engine) up once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import ConfigurableResource, Definitions, in_process_executor, load_from_defs_folder

from track_sync_assets.defs import resources
from track_sync_assets.defs.alerting import AlertsResource
from track_sync_assets.defs.assets.exports import ExportsResource

PROJECT_ROOT = Path(__file__).resolve().parent.parent

RESOURCE_CLASSES: dict[str, type[ConfigurableResource]] = {
    **resources.RESOURCE_CLASSES,
    "alerts": AlertsResource,
    "exports": ExportsResource,
}


def build_resources(
    environ: Mapping[str, str] | None = None, **overrides: Mapping[str, Any]
) -> dict[str, ConfigurableResource]:
    """Every resource, from ``environ`` (default: none) and ``overrides``."""
    return resources.build_resources(RESOURCE_CLASSES, environ, overrides)


def build_defs(
    environ: Mapping[str, str] | None = None, **overrides: Mapping[str, Any]
) -> Definitions:
    """The code location with resources from ``environ`` (default: this process's
    environment) and ``overrides`` (resource key -> {field: value})."""
    loaded = load_from_defs_folder(path_within_project=PROJECT_ROOT)
    bound = build_resources(os.environ if environ is None else environ, **overrides)
    return Definitions.merge(loaded, Definitions(resources=bound, executor=in_process_executor))


defs = build_defs()
