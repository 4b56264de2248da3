"""Lint, format and types of pipeline/ are part of the test run (and so of CI); settings in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", "pipeline"], ["ruff", "format", "--check", "pipeline"], ["mypy"]],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_pipeline_is_clean(command) -> None:
    result = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
