"""The shared-frames diarizer against pyannote's stock SpeakerDiarization, same bundled models, real audio.

`SharedFramesDiarization` replaces only `get_embeddings`: the CAM++ trunk runs once over the file
instead of once per (window, speaker). Both paths get the same binarized segmentation here, so the
embeddings can be compared pair by pair, and both full pipelines must find the same speakers.
It also leans on a few pyannote internals; `check_pyannote_internals` fails loudly when an upgrade
moves them.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pipeline.audio import load_audio
from pipeline.config import DiarizationOptions
from pipeline.diarize.pyannote_backend import bundled_pipeline, to_diarization
from pipeline.diarize.shared_frames import check_pyannote_internals
from pipeline.errors import ModelError
from pipeline.evaluate import diarization_error_rate

from .conftest import DATA

CLIPS = ["trn03", "trn05", "trn09"]  # real AMI meeting excerpts, 3-4 speakers, overlap


@pytest.fixture(scope="module")
def pipelines():
    from pyannote.audio.pipelines import SpeakerDiarization

    options = DiarizationOptions()
    return bundled_pipeline(options), bundled_pipeline(options, cls=SpeakerDiarization)


def _file(clip: str) -> dict:
    audio = load_audio(DATA / "ami" / f"{clip}.flac")
    return {"waveform": torch.from_numpy(audio.samples)[None], "sample_rate": audio.sample_rate, "uri": clip}


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.reshape(-1, a.shape[-1]), b.reshape(-1, b.shape[-1])
    both = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    a, b = a[both], b[both]
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="module")
def embeddings(pipelines):
    shared, stock = pipelines
    out = {}
    with torch.inference_mode():
        for clip in CLIPS:
            file = _file(clip)
            segmentations = shared.get_segmentations(file)  # segmentation-3.0 is powerset: already binary
            pair = [p.get_embeddings(file, segmentations, exclude_overlap=True) for p in (shared, stock)]
            out[clip] = pair
    return out


def test_embeddings_agree_per_window_speaker(embeddings) -> None:
    cosines = []
    for clip, (shared, stock) in embeddings.items():
        assert shared.shape == stock.shape, clip
        assert (np.isnan(shared[..., 0]) == np.isnan(stock[..., 0])).all(), f"{clip}: same silent (window, speaker) pairs"
        cosines.append(_cosines(shared, stock))
    values = np.concatenate(cosines)
    p10, median, low = np.percentile(values, 10), np.median(values), values.min()
    print(f"\ncosine shared vs stock over {values.size} (window, speaker) pairs: median {median:.4f}, p10 {p10:.4f}, min {low:.4f}")
    assert values.size > 30
    assert median >= 0.98 and p10 >= 0.95, f"median {median:.4f}, p10 {p10:.4f}"


@pytest.mark.parametrize("clip", CLIPS)
def test_diarizations_match(pipelines, clip) -> None:
    shared, stock = pipelines
    file = _file(clip)
    with torch.inference_mode():
        ours, theirs = (to_diarization(p(file)) for p in (shared, stock))
    assert len(ours.speakers) == len(theirs.speakers)
    difference = diarization_error_rate(theirs.turns, ours.turns, collar=0.0)
    assert difference.der < 0.02, f"{clip}: shared-frames vs stock DER {difference.der:.2%}"  # measured 0.00 %


def test_pyannote_internals_we_use_are_there() -> None:
    check_pyannote_internals()


def test_a_moved_internal_fails_with_a_clear_message(monkeypatch) -> None:
    from pyannote.audio.pipelines import SpeakerDiarization

    def get_embeddings(self, file, segmentations):  # a future signature without exclude_overlap
        raise AssertionError("never called")

    monkeypatch.setattr(SpeakerDiarization, "get_embeddings", get_embeddings)
    with pytest.raises(ModelError, match=r"pyannote\.audio .*SpeakerDiarization\.get_embeddings.*pyannote\.audio==4\.0\.7"):
        check_pyannote_internals()
