"""The command line's Dagster driver: runs a sync's jobs on the configured instance.

With ``defs/`` the only package that imports Dagster; the CLI (``cli/``) parses arguments
and prints, and calls this package.
"""
