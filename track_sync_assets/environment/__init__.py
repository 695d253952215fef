"""The one place where environment variables become settings.

Nothing below ``defs/`` reads the environment: the Dagster resources get their fields
from :mod:`track_sync_assets.environment.resources` (``dg.EnvVar`` for strings and whole
numbers, so the UI shows the variable's name and never its value; other types parsed
here with errors naming the variable), and the layers underneath get settings objects
built from those fields. docs/configuration.md lists every variable.
"""
