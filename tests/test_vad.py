"""Speech regions through PiecewiseSilero: faster-whisper's exact answer on real audio, with less memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps, get_vad_model

from pipeline.audio import load_audio
from pipeline.vad import BATCH, WINDOW, PiecewiseSilero, speech_regions

ROOT = Path(__file__).resolve().parent.parent


def _long_real_speech(batches: int) -> np.ndarray:
    """The excerpt (real text, rendered voices) over and over: past `batches` 10000-window batches,
    cut at a length that is not a multiple of the window, then padded as faster-whisper pads it."""
    samples = load_audio(ROOT / "samples" / "excerpt.mp3").samples
    joined = np.tile(samples, batches * BATCH * WINDOW // len(samples) + 1)[: batches * BATCH * WINDOW + 12345]
    return np.pad(joined, (0, WINDOW - len(joined) % WINDOW))


def test_probabilities_equal_faster_whispers_model() -> None:
    audio = _long_real_speech(2)
    assert len(audio) // WINDOW > BATCH  # the recurrent state crosses a batch boundary
    model = get_vad_model()
    np.testing.assert_array_equal(PiecewiseSilero(model)(audio), model(audio.copy()))


def test_regions_equal_faster_whispers_and_cost_less_memory() -> None:
    audio = _long_real_speech(4)
    options = VadOptions(max_speech_duration_s=30.0, min_silence_duration_ms=160)
    get_vad_model()  # loaded outside the measurement
    tracemalloc.start()
    ours = speech_regions(audio, options, 16000)
    ours_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    theirs = get_speech_timestamps(audio, options, sampling_rate=16000)
    theirs_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert ours == theirs and len(ours) > 10
    # theirs holds its padded copy and a copy with contexts at once; ours the padded copy and one batch
    assert ours_peak + 0.5 * audio.nbytes < theirs_peak
    assert get_vad_model() is not None and not isinstance(get_vad_model(), PiecewiseSilero)  # put back


def test_concurrent_calls_agree_and_leave_faster_whispers_model_in_place() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from faster_whisper import vad

    audio = _long_real_speech(1)
    options = VadOptions(max_speech_duration_s=30.0, min_silence_duration_ms=160)
    original = vad.get_vad_model
    with ThreadPoolExecutor(3) as pool:  # ONNX runs release the GIL, so the calls interleave
        answers = list(pool.map(lambda _: speech_regions(audio, options, 16000), range(3)))
    assert answers[0] == answers[1] == answers[2] == get_speech_timestamps(audio, options, sampling_rate=16000)
    assert vad.get_vad_model is original  # no thread restored another's wrapper
