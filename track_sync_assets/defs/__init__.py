"""The Dagster layer: thin glue wiring parsers, client, geocoder and store into assets.

Loaded by ``dagster.load_from_defs_folder`` (see ``track_sync_assets/definitions.py``).
Beside it, only ``operator/`` (the command line's driver of runs), ``environment/`` (the
environment mapped onto resource fields) and ``definitions.py`` import Dagster. Assets
keep their data in the catalogue database (not in pickles), so a PostgreSQL deployment
works across machines.
"""
