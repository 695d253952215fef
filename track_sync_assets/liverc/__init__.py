"""Everything that knows LiveRC: its markup (``parsing``) and its servers (``client``).

Nothing in this package imports Dagster or the database layer.
"""
