"""Accuracy gate: the project's own suites through the same two commands a user's CI runs.

samples: `transcribe --manifest ... --summary` on the rendered samples, then `transcribe-score --gate`
against configs/regression.toml [suite.samples]. real_speech: the diarizer alone on the real-speech dev
set, its metrics written as a run summary and gated the same way ([suite.real_speech]).
The gate's JUnit XML and Markdown go to $PODSCRIBE_GATE_REPORT (`.ci/run` prints them), else a temp folder.
Set PODSCRIBE_REGRESSION_CONFIG=some.toml to run the gate with another configuration (that is how a
deliberate degradation is shown to fail it).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tomllib
from dataclasses import asdict
from pathlib import Path

import pytest

from benchmarks.devset import real_recordings
from pipeline.audio import load_audio
from pipeline.config import Options, load
from pipeline.diarize.postprocess import speech_seconds
from pipeline.diarize.pyannote_backend import PyannoteDiarizer
from pipeline.evaluate import COLLARS, diarization_error_rate

from .conftest import ROOT

LIMITS = ROOT / "configs" / "regression.toml"
SUITES = tomllib.loads(LIMITS.read_text())["suite"]
SCORE = Path(sys.executable).with_name("transcribe-score")


def _report_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PODSCRIBE_GATE_REPORT") or tmp_path / "gate-report")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _gate(summary: Path, suite: str, reports: Path) -> subprocess.CompletedProcess:
    command = [str(SCORE), "--gate", str(summary), "--limits", str(LIMITS), "--suite", suite, "--overwrite",
               "--junit", str(reports / f"{suite}.junit.xml"), "--markdown", str(reports / f"{suite}.md"),
               "--json", str(reports / f"{suite}.json")]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def _manifest(folder: Path) -> Path:
    manifest = folder / "samples.csv"
    with manifest.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "path", "reference"])
        for name, spec in SUITES["samples"]["items"].items():
            writer.writerow([name, ROOT / spec["audio"], ";".join(str(ROOT / r) for r in spec["references"])])
    return manifest


@pytest.mark.slow
def test_samples_pass_the_gate(tmp_path) -> None:
    out, summary = tmp_path / "out", tmp_path / "out" / "summary.json"
    custom = os.environ.get("PODSCRIBE_REGRESSION_CONFIG")
    command = [sys.executable, "-m", "pipeline", "--manifest", str(_manifest(tmp_path)), "-o", str(out),
               "--summary", str(summary), "-q", *(["--config", custom] if custom else [])]
    run = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr
    names = []  # shown with the verdict: on a CPU we never had, the names say what the words did
    for name in SUITES["samples"]["items"]:
        data = json.loads((out / f"{name}.json").read_text())
        assert all(w["speaker"] for u in data["utterances"] for w in u["words"]), f"{name}: every word has a speaker"
        named = ", ".join(f"{n['speaker']}={n['name']} ({n['how']}: {n['evidence'][0]['text'] if n['evidence'] else ''})"
                          for n in data["names"])
        names.append(f"{name}: {named or 'nobody named'}")
    gate = _gate(summary, "samples", _report_dir(tmp_path))
    print("\n" + gate.stdout + "\n".join(names))
    assert gate.returncode == 0, f"samples: the accuracy gate failed:\n{gate.stdout}{gate.stderr}" + "\n".join(names)


@pytest.mark.slow
def test_real_speech_passes_the_gate(tmp_path) -> None:
    spec = SUITES["real_speech"]
    custom = os.environ.get("PODSCRIBE_REGRESSION_CONFIG")
    diarizer = PyannoteDiarizer((load(custom) if custom else Options()).diarization)
    files, problems = [], []
    for rec in real_recordings(tmp_path / "devset"):
        found = diarizer.diarize(load_audio(rec.path))
        ders = [asdict(diarization_error_rate(rec.reference, found.turns, c)) for c in COLLARS]
        metrics = {"der": ders, "speakers_found": len(found.speakers), "speakers_reference": rec.speakers}
        files.append({"source": rec.name, "item": rec.name, "status": "done", "metrics": metrics})
        count, true = len(found.speakers), rec.speakers
        if count == 1 and _talkers(rec.reference, spec["min_solo"]) >= 2:
            problems.append(f"{rec.name}: one speaker found, the reference has {true}")
        if count > true + 1:
            problems.append(f"{rec.name}: {count} speakers found, the reference has {true}")
    summary = tmp_path / "real_speech.summary.json"
    summary.write_text(json.dumps({"schema_version": 1, "files": files}))
    gate = _gate(summary, "real_speech", _report_dir(tmp_path))
    print("\n" + gate.stdout)
    assert gate.returncode == 0, f"real speech: the accuracy gate failed:\n{gate.stdout}{gate.stderr}"
    assert not problems, "; ".join(problems)


def _talkers(reference, min_seconds: float) -> int:
    """People in a reference who speak at least `min_seconds` in all."""
    return sum(s >= min_seconds for s in speech_seconds(reference).values())
