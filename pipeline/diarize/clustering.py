"""Speaker clustering whose cut adapts to the recording's noise.

pyannote's agglomerative clustering merges two clusters while their centroids are closer than one
global cosine distance. Noise scatters a voice's embeddings: at 10 dB SNR the same person's
windows sit further apart than two clean voices, so the clean-audio threshold splits one speaker
into several (5-8 "speakers" for two people on the dev set, benchmarks/diarization_eval.py). Here the
threshold is loosened as the file's signal-to-noise ratio falls, estimated from its own frame
energies, between the clean value (options.threshold) and NOISY_THRESHOLD. Everything else is
pyannote's clustering.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .compat import import_pyannote_audio

CLEAN_SNR_DB = 32.0  # at or above: the clean threshold
NOISY_SNR_DB = 20.0  # at or below: NOISY_THRESHOLD (10 dB pink noise measures about 18-20 here)
NOISY_THRESHOLD = 0.8  # chosen on the dev set's noisy copies (best range 0.75-0.85 for 9 of 13)
FRAME = 480  # samples: 30-ms frames at 16 kHz for the energy estimate
ENERGY_BLOCK = 2000  # frames (one minute) squared at a time
CLUSTERINGS = ("adaptive", "ahc")


def make_clustering(name: str, parameters: dict[str, Any]) -> Any:
    """The clustering step, "adaptive" (ours) or "ahc" (pyannote's, one global threshold), with
    pyannote's clustering parameters (method, threshold, min_cluster_size)."""
    import_pyannote_audio()
    from pyannote.audio.pipelines.clustering import AgglomerativeClustering

    if name not in CLUSTERINGS:
        raise ValueError(f"unknown clustering {name!r}: one of {', '.join(CLUSTERINGS)}")
    clustering = AgglomerativeClustering(metric="cosine") if name == "ahc" else _adaptive_class()(metric="cosine")
    clustering.instantiate(parameters)
    return clustering


def _adaptive_class() -> type:
    from pyannote.audio.pipelines.clustering import AgglomerativeClustering

    class NoiseAdaptiveClustering(AgglomerativeClustering):
        def __call__(self, embeddings: np.ndarray, *args: Any, **kwargs: Any) -> Any:
            file = kwargs.get("file") or {}
            clean = self.threshold
            if "waveform" in file:
                self.threshold = noise_adapted_threshold(clean, snr_db(np.asarray(file["waveform"][0])))
            try:
                return super().__call__(embeddings, *args, **kwargs)
            finally:
                self.threshold = clean

    return NoiseAdaptiveClustering


def noise_adapted_threshold(clean: float, snr: float) -> float:
    """`clean` at CLEAN_SNR_DB and above, NOISY_THRESHOLD at NOISY_SNR_DB and below, linear between."""
    noisy = max(clean, NOISY_THRESHOLD)
    share = (CLEAN_SNR_DB - snr) / (CLEAN_SNR_DB - NOISY_SNR_DB)
    return clean + (noisy - clean) * float(np.clip(share, 0.0, 1.0))


def snr_db(samples: np.ndarray) -> float:
    """Signal-to-noise estimate: loud frames (95th percentile energy) over the noise floor (10th)."""
    count = len(samples) // FRAME
    if count < 20:
        return CLEAN_SNR_DB  # too short to tell
    frames = samples[: count * FRAME].reshape(count, FRAME)
    # In blocks: a float64 copy of an hour's samples is 460 MB, twice over for the squares.
    energy = np.concatenate(
        [np.mean(frames[i : i + ENERGY_BLOCK].astype(np.float64) ** 2, axis=1) for i in range(0, count, ENERGY_BLOCK)]
    )
    floor, loud = np.percentile(energy, [10, 95])
    return float(10 * np.log10((loud + 1e-12) / (floor + 1e-12)))
