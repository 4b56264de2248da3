"""Real models on real audio: faster-whisper tiny.en, the bundled pyannote pipeline, CAM++."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.asr import FasterWhisperTranscriber
from pipeline.audio import load_audio
from pipeline.config import AsrOptions, DiarizationOptions
from pipeline.errors import ModelError
from pipeline.evaluate import normalize, word_error_rate
from pipeline.types import Audio

from .conftest import DATA


@pytest.fixture(scope="module")
def tiny() -> FasterWhisperTranscriber:
    return FasterWhisperTranscriber(AsrOptions(model="tiny.en"))


def test_jfk_exact_sentence_and_word_times(tiny) -> None:
    result = tiny.transcribe(load_audio(DATA / "jfk.flac"))
    text = " ".join(s.text for s in result.segments)
    assert normalize(text) == normalize((DATA / "jfk.txt").read_text())
    words = [w for s in result.segments for w in s.words]
    americans = next(w for w in words if "Americans" in w.text)
    assert 1.0 <= americans.start <= 2.5
    assert all(a.start <= b.start for a, b in zip(words, words[1:])), "word times are monotonic"
    assert all(w.start <= w.end for w in words)
    assert result.language == "en"


def test_librispeech_clip_wer(tiny) -> None:
    result = tiny.transcribe(load_audio(DATA / "librispeech-2412-153948-0000.flac"))
    wer = word_error_rate((DATA / "librispeech-2412-153948-0000.txt").read_text(), " ".join(s.text for s in result.segments))
    assert wer.reference_words == 36
    assert wer.wer <= 0.10, wer


def test_sequential_decoding_gives_the_same_jfk_text() -> None:
    seq = FasterWhisperTranscriber(AsrOptions(model="tiny.en", batch_size=1))
    text = " ".join(s.text for s in seq.transcribe(load_audio(DATA / "jfk.flac")).segments)
    assert normalize(text) == normalize((DATA / "jfk.txt").read_text())


def test_unknown_model_name_is_a_model_error_offline() -> None:
    with pytest.raises(ModelError, match="model 'no-such-model'"):
        FasterWhisperTranscriber(AsrOptions(model="no-such-model"))


def _cat(*clips: Audio) -> Audio:
    gap = np.zeros(8000, dtype=np.float32)
    parts = [p for clip in clips for p in (clip.samples, gap)]
    return Audio(np.concatenate(parts), "two-voices.wav")


@pytest.fixture(scope="module")
def embedder():
    from pipeline.diarize.embedding import CamPlusPlusEmbedding

    return CamPlusPlusEmbedding.bundled()


def _embed(embedder, samples: np.ndarray) -> np.ndarray:
    import torch

    with torch.inference_mode():
        out = embedder(torch.from_numpy(samples.copy())[None, None]).numpy()[0]
    return out / np.linalg.norm(out)


def test_campplus_same_voice_close_different_voices_far(embedder) -> None:
    jfk = load_audio(DATA / "jfk.flac").samples
    libri = load_audio(DATA / "librispeech-2412-153948-0000.flac").samples
    a, b = _embed(embedder, jfk[: 16000 * 5]), _embed(embedder, jfk[16000 * 5 :])
    c, d = _embed(embedder, libri[: 16000 * 5]), _embed(embedder, libri[16000 * 5 :])
    same = min(a @ b, c @ d)
    different = max(a @ c, a @ d, b @ c, b @ d)
    assert same > 0.6, same
    assert different < 0.3, different


def test_campplus_all_zero_weights_give_nan_rows(embedder) -> None:
    import torch

    wave = torch.from_numpy(load_audio(DATA / "jfk.flac").samples[: 16000 * 10].copy())[None, None].repeat(2, 1, 1)
    weights = torch.zeros(2, 589)
    weights[0, 100:400] = 1
    with torch.inference_mode():
        out = embedder(wave, weights)
    assert torch.isfinite(out[0]).all() and torch.isnan(out[1]).all()


@pytest.fixture(scope="module")
def diarizer():
    from pipeline.diarize.pyannote_backend import PyannoteDiarizer

    return PyannoteDiarizer(DiarizationOptions())


def _share(turns, lo: float, hi: float) -> dict[str, float]:
    """Fraction of speech in [lo, hi] held by each speaker."""
    seconds: dict[str, float] = {}
    for t in turns:
        overlap = min(t.end, hi) - max(t.start, lo)
        if overlap > 0:
            seconds[t.speaker] = seconds.get(t.speaker, 0.0) + overlap
    total = sum(seconds.values())
    return {s: v / total for s, v in seconds.items()}


def test_real_pipeline_finds_two_voices(diarizer) -> None:
    jfk, libri = load_audio(DATA / "jfk.flac"), load_audio(DATA / "librispeech-2412-153948-0000.flac")
    result = diarizer.diarize(_cat(jfk, libri))
    assert result.speakers == ("SPEAKER_00", "SPEAKER_01")
    first = _share(result.exclusive, 0.0, jfk.duration)
    second = _share(result.exclusive, jfk.duration + 0.5, 30.0)
    assert first.get("SPEAKER_00", 0) > 0.9 and second.get("SPEAKER_01", 0) > 0.9, (first, second)


def test_speaker_count_hint_is_obeyed(diarizer) -> None:
    from pipeline.diarize.pyannote_backend import PyannoteDiarizer

    jfk, libri = load_audio(DATA / "jfk.flac"), load_audio(DATA / "librispeech-2412-153948-0000.flac")
    one = PyannoteDiarizer(DiarizationOptions(num_speakers=1)).diarize(_cat(jfk, libri))
    assert one.speakers == ("SPEAKER_00",)


def test_hub_pipeline_without_network_or_token_says_what_to_do(monkeypatch) -> None:
    from pipeline.diarize.pyannote_backend import PyannoteDiarizer

    monkeypatch.delenv("HF_TOKEN", raising=False)
    with pytest.raises(ModelError) as err:
        PyannoteDiarizer(DiarizationOptions(model="pyannote/speaker-diarization-community-1"))
    message = str(err.value)
    assert "pyannote/speaker-diarization-community-1" in message and "HF_TOKEN" in message
    assert "--diarization-model bundled" in message
