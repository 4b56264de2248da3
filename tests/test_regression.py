"""Accuracy gate: the default pipeline on the committed samples, and its diarizer on the real-speech dev
set, must stay under configs/regression.toml.

Set PODSCRIBE_REGRESSION_CONFIG=some.toml to run the gate with another configuration (that is how a
deliberate degradation is shown to fail it).
"""

from __future__ import annotations

import os
import tomllib
from collections import defaultdict

import pytest

from benchmarks.devset import real_recordings
from pipeline.audio import load_audio
from pipeline.config import Options, load
from pipeline.diarize.postprocess import speech_seconds
from pipeline.diarize.pyannote_backend import PyannoteDiarizer
from pipeline.engine import Engine
from pipeline.evaluate import diarization_error_rate, score, table
from pipeline.references import read_references

from .conftest import ROOT

GATE = tomllib.loads((ROOT / "configs" / "regression.toml").read_text())
SAMPLES = sorted(name for name, spec in GATE.items() if "audio" in spec)


@pytest.fixture(scope="module")
def engine() -> Engine:
    custom = os.environ.get("PODSCRIBE_REGRESSION_CONFIG")
    return Engine(load(custom) if custom else Options())


@pytest.mark.slow
@pytest.mark.parametrize("sample", SAMPLES)
def test_accuracy_stays_under_limits(engine, sample) -> None:
    spec = GATE[sample]
    transcript = engine.speaker_transcript(load_audio(ROOT / spec["audio"]))
    scores = score(transcript, read_references([ROOT / r for r in spec["references"]]))
    measured = {"wer": scores.wer.wer, "cpwer": scores.cpwer.cpwer, "der": scores.der[1].der}
    print(f"\n{sample}:\n{table(scores)}")
    report = ", ".join(f"{k} {measured[k]:.4f} (limit {spec[k]})" for k in measured)
    assert all(words.speaker for words in transcript.words), "every word has a speaker"
    assert all(measured[k] <= spec[k] for k in measured), f"{sample}: accuracy regression: {report}"
    names = scores.names
    assert names is not None, "the samples' references name their speakers"
    named = ", ".join(f"{n.speaker}={n.name} ({n.how})" for n in transcript.names)
    assert names.correct >= spec["names_right"], f"{sample}: {names.correct} speakers named right: {named}"
    assert names.wrong <= spec["names_wrong"], f"{sample}: {names.wrong} speakers named wrongly: {named}"


@pytest.mark.slow
def test_real_speech_diarization_stays_under_limits(tmp_path_factory) -> None:
    spec = GATE["real_speech"]
    custom = os.environ.get("PODSCRIBE_REGRESSION_CONFIG")
    diarizer = PyannoteDiarizer((load(custom) if custom else Options()).diarization)
    parts: dict[str, float] = defaultdict(float)
    problems, lines = [], []
    for rec in real_recordings(tmp_path_factory.mktemp("devset")):
        found = diarizer.diarize(load_audio(rec.path))
        der = diarization_error_rate(rec.reference, found.turns, 0.0)
        for key in ("missed", "false_alarm", "confusion", "total"):
            parts[key] += getattr(der, key)
        count, true = len(found.speakers), rec.speakers
        lines.append(f"{rec.name:36s} DER {der.der:.3f} conf {der.confusion:5.1f} s  speakers {count}/{true}")
        if count == 1 and _talkers(rec.reference, spec["min_solo"]) >= 2:
            problems.append(f"{rec.name}: one speaker found, the reference has {true}")
        if count > true + 1:
            problems.append(f"{rec.name}: {count} speakers found, the reference has {true}")
    pooled = (parts["missed"] + parts["false_alarm"] + parts["confusion"]) / parts["total"]
    confusion = parts["confusion"] / parts["total"]
    print("\n" + "\n".join(lines) + f"\npooled DER {pooled:.4f}, confusion {confusion:.4f} of speech")
    assert pooled <= spec["der"], f"real speech: pooled DER {pooled:.4f} (limit {spec['der']})"
    assert confusion <= spec["confusion"], f"real speech: pooled confusion {confusion:.4f} (limit {spec['confusion']})"
    assert not problems, "; ".join(problems)


def _talkers(reference, min_seconds: float) -> int:
    """People in a reference who speak at least `min_seconds` in all."""
    return sum(s >= min_seconds for s in speech_seconds(reference).values())
