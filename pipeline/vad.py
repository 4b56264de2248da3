"""Silero VAD speech regions (faster-whisper's model and rules) without its whole-file copies.

faster-whisper's `get_speech_timestamps` hands the model the whole padded file, which reshapes it
into (windows, 576) with each window's 64-sample context in front: two more copies of the audio at
once (+700 MiB at the start of a 60-min run). `PiecewiseSilero` gives the same probabilities, in
the same 10000-window batches with the recurrent state carried across, building one batch at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

WINDOW = 512  # samples per Silero window at 16 kHz
CONTEXT = 64  # samples of the previous window put in front of each
BATCH = 10_000  # windows per model call: faster-whisper's batch, so the state is carried the same way
# One swap at a time: two threads swapping at once would each restore the other's wrapper.
_SWAP = threading.Lock()


class PiecewiseSilero:
    """Stands in for faster-whisper's `SileroVADModel` (wraps its ONNX session)."""

    def __init__(self, model: Any) -> None:
        self.session = model.session

    def __call__(self, audio: np.ndarray, num_samples: int = WINDOW, context_size_samples: int = CONTEXT) -> np.ndarray:
        if audio.ndim != 1 or len(audio) % num_samples:
            raise ValueError(f"VAD input must be 1-D and a multiple of {num_samples} samples")
        windows = audio.reshape(-1, num_samples)  # a view
        h = np.zeros((1, 1, 128), dtype="float32")
        c = np.zeros((1, 1, 128), dtype="float32")
        outputs = []
        for lo in range(0, len(windows), BATCH):
            batch = _with_context(windows, lo, min(len(windows), lo + BATCH), context_size_samples)
            output, h, c = self.session.run(None, {"input": batch, "h": h, "c": c})
            outputs.append(output)
        return np.concatenate(outputs, axis=0)


def _with_context(windows: np.ndarray, lo: int, hi: int, context: int) -> np.ndarray:
    """Windows lo..hi, each led by the last `context` samples of the one before (zeros for the first)."""
    previous = np.zeros((hi - lo, context), dtype=windows.dtype)
    start = max(lo, 1)
    previous[start - lo :] = windows[start - 1 : hi - 1, -context:]
    batch = np.concatenate([previous, windows[lo:hi]], axis=1).astype(np.float32, copy=False)
    if hi == len(windows):  # faster-whisper zeroes the file's last context through a view of its input
        batch[-1, -context:] = 0.0
    return batch


def speech_regions(samples: np.ndarray, options: Any, sample_rate: int) -> list[dict[str, int]]:
    """faster-whisper's `get_speech_timestamps`, run through `PiecewiseSilero`."""
    from faster_whisper import vad

    with _model_swapped(vad, lambda model: PiecewiseSilero(model)):
        return vad.get_speech_timestamps(samples, options, sampling_rate=sample_rate)


@contextmanager
def _model_swapped(vad: Any, wrap: Callable[[Any], Any]) -> Iterator[None]:
    """`get_speech_timestamps` looks its model up through the module's `get_vad_model`; point that
    at the wrapper for one call. Where a faster-whisper release lays this out differently, its own
    model is used (same result, more memory)."""
    with _SWAP:
        original = getattr(vad, "get_vad_model", None)
        model = original() if callable(original) else None
        if model is None or not hasattr(model, "session"):
            yield
            return
        wrapped = wrap(model)
        vad.get_vad_model = lambda: wrapped
        try:
            yield
        finally:
            vad.get_vad_model = original
