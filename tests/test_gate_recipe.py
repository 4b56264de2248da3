"""The CI recipe of docs/ci.md, end to end on examples/ci: real models, the two documented commands.

A baseline is made from one run; the same configuration passes against it; a deliberately worse one
(examples/ci/worse.toml: one speaker per file) fails with exit 1 and JUnit failures naming the item and metric.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from junitparser import JUnitXml

from .conftest import ROOT

SUITE = ROOT / "examples" / "ci"
SCORE = Path(sys.executable).with_name("transcribe-score")


def _transcribe(out: Path, *extra: str) -> Path:
    summary = out / "summary.json"
    command = [sys.executable, "-m", "pipeline", "--manifest", str(SUITE / "suite.csv"), "-o", str(out),
               "--summary", str(summary), "-q", *extra]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    return summary


def _gate(summary: Path, baseline: Path, *extra: str | Path) -> subprocess.CompletedProcess:
    command = [str(SCORE), "--gate", str(summary), "--baseline", str(baseline), *map(str, extra)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, Path]:
    """One run of the suite and the baseline made from it (the recipe's first CI run)."""
    folder = tmp_path_factory.mktemp("recipe")
    summary = _transcribe(folder / "out")
    baseline = folder / "baseline.json"
    first = _gate(summary, baseline, "--update-baseline")
    assert first.returncode == 0 and baseline.is_file(), first.stdout + first.stderr
    return summary, baseline


@pytest.mark.slow
def test_same_configuration_passes(made, tmp_path) -> None:
    summary, baseline = made
    junit, markdown = tmp_path / "junit.xml", tmp_path / "summary.md"
    gate = _gate(summary, baseline, "--limits", SUITE / "limits.toml", "--junit", junit, "--markdown", markdown)
    assert gate.returncode == 0, gate.stdout + gate.stderr
    cases = [case for suite in JUnitXml.fromfile(str(junit)) for case in suite]
    assert cases and all(case.is_passed for case in cases)
    assert {c.classname for c in cases} >= {"gate.jfk", "gate.librispeech", "gate.excerpt", "gate.(all)"}
    assert markdown.read_text().startswith("### gate: passed")


@pytest.mark.slow
def test_worse_configuration_fails(made, tmp_path) -> None:
    _, baseline = made
    worse = _transcribe(tmp_path / "worse", "--config", str(SUITE / "worse.toml"))
    junit = tmp_path / "junit.xml"
    gate = _gate(worse, baseline, "--limits", SUITE / "limits.toml", "--junit", junit)
    assert gate.returncode == 1, gate.stdout + gate.stderr
    failing = {(c.classname, c.name) for s in JUnitXml.fromfile(str(junit)) for c in s if not c.is_passed}
    assert {("gate.excerpt", "speaker_error"), ("gate.excerpt", "der")} <= failing, failing
    assert "gate: FAILED" in gate.stdout
