"""Accuracy gate: the default pipeline on the committed samples must stay under configs/regression.toml.

Set PODSCRIBE_REGRESSION_CONFIG=some.toml to run the gate with another configuration (that is how a
deliberate degradation is shown to fail it).
"""

from __future__ import annotations

import os
import tomllib

import pytest

from pipeline.audio import load_audio
from pipeline.config import Options, load
from pipeline.evaluate import score, table
from pipeline.references import read_references
from pipeline.engine import Engine

from .conftest import ROOT

GATE = tomllib.loads((ROOT / "configs" / "regression.toml").read_text())


@pytest.fixture(scope="module")
def engine() -> Engine:
    custom = os.environ.get("PODSCRIBE_REGRESSION_CONFIG")
    return Engine(load(custom) if custom else Options())


@pytest.mark.slow
@pytest.mark.parametrize("sample", sorted(GATE))
def test_accuracy_stays_under_limits(engine, sample) -> None:
    spec = GATE[sample]
    transcript = engine.speaker_transcript(load_audio(ROOT / spec["audio"]))
    scores = score(transcript, read_references([ROOT / r for r in spec["references"]]))
    measured = {"wer": scores.wer.wer, "cpwer": scores.cpwer.cpwer, "der": scores.der[1].der}
    print(f"\n{sample}:\n{table(scores)}")
    report = ", ".join(f"{k} {measured[k]:.4f} (limit {spec[k]})" for k in measured)
    assert all(words.speaker for words in transcript.words), "every word has a speaker"
    assert all(measured[k] <= spec[k] for k in measured), f"{sample}: accuracy regression: {report}"
