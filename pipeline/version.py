"""The one version source: the installed package's metadata (pyproject.toml's `version`)."""

from __future__ import annotations

from importlib import metadata


def tool_version() -> str:
    try:
        return metadata.version("podscribe")
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return "0+unknown"
