"""Alembic migrations of the catalogue (applied by ``CatalogueStore.migrate()``)."""
