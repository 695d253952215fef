"""Browser checks: real headless Chromium (Debian's ``chromium``) driven by ``playwright``."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Harmless if pyproject.toml registers it too.
    config.addinivalue_line("markers", "browser: drives a real headless Chromium")
