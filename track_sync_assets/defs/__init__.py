"""The Dagster layer: thin glue wiring parsers, client, geocoder and store into assets.

The only package of track-sync that imports Dagster. Assets keep their data in the
catalogue database (not in pickles), so a PostgreSQL deployment works across machines.
"""
