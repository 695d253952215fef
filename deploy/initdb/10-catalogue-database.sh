#!/bin/sh
# Runs once, when the postgres volume is first initialised: the catalogue gets its own
# database next to Dagster's, owned by the same user.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE DATABASE "${TRACK_SYNC_CATALOGUE_DB}" OWNER "${POSTGRES_USER}";
SQL
