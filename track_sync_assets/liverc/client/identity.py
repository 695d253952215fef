"""The bot's honest identity: ``track-sync/<version> (+<project url>; <contact>)``."""

from __future__ import annotations

from importlib import metadata

PRODUCT_TOKEN = "track-sync"
"""The name robots.txt rules address (``User-agent: track-sync``)."""

FALLBACK_VERSION = "0+unknown"


def package_version(distribution: str = "track-sync") -> str:
    """The installed version of the project (``0+unknown`` when not installed)."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return FALLBACK_VERSION


def user_agent(project_url: str, contact: str, version: str | None = None) -> str:
    """The User-Agent sent with every request; never a browser's."""
    return f"{PRODUCT_TOKEN}/{version or package_version()} (+{project_url}; {contact})"
