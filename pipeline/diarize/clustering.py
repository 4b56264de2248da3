"""Speaker clustering whose cut adapts to the recording's noise.

pyannote's agglomerative clustering merges two clusters while their centroids are closer than one
global cosine distance. Noise scatters a voice's embeddings: at 10 dB SNR the same person's
windows sit further apart than two clean voices, so the clean-audio threshold splits one speaker
into several (5-8 "speakers" for two people on the dev set, benchmarks/diarization_eval.py). Here the
threshold is loosened as the file's signal-to-noise ratio falls, estimated from its own frame
energies, between the clean value (options.threshold) and NOISY_THRESHOLD.

It also finds short voices (`add_short_voices`): someone who says one short thing, whose windows
pyannote leaves out of clustering, gets a cluster of their own when their voice is far from every
cluster's. Everything else is pyannote's clustering.
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
# Short voices: pyannote clusters only (window, speaker) pairs with 2 s of clean speech (20 % of a
# 10-s window), so someone who says one short thing never forms a cluster and is folded into another
# voice. A pair with SHORT_SECONDS of clean speech whose voice is further than the short cut from
# every cluster's centroid starts a cluster of its own. The cut is the clustering's + SHORT_MARGIN (a
# short embedding is noisier), but never over SHORT_CUT: on the dev set's 52 real recordings and the
# samples, a short pair of a clustered voice lay at most 0.52 from that voice's centroid, clean or
# degraded, while the noise-loosened cut (0.8 + margin) hid new voices at 0.63-0.72.
SHORT_SECONDS = 0.5
SHORT_MARGIN = 0.1
SHORT_CUT = 0.6


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
        _short: tuple[np.ndarray, np.ndarray] | None = None  # the call's short (chunk, speaker) pairs
        _unhinted = True  # no speaker count given for the call: only then may short voices be added
        adapt_noise = True  # False: the clean cut whatever the noise (benchmarks/speaker_count.py compares)

        def __call__(self, embeddings: np.ndarray, *args: Any, **kwargs: Any) -> Any:
            file = kwargs.get("file") or {}
            clean = self.threshold
            if "waveform" in file and self.adapt_noise:
                self.threshold = noise_adapted_threshold(clean, snr_db(np.asarray(file["waveform"][0])))
            self._unhinted = kwargs.get("num_clusters") is None and kwargs.get("max_clusters") in (None, np.inf)
            try:
                return super().__call__(embeddings, *args, **kwargs)
            finally:
                self.threshold, self._short = clean, None

        def filter_embeddings(
            self, embeddings: np.ndarray, segmentations: Any = None, min_active_ratio: float = 0.2
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            kept = super().filter_embeddings(embeddings, segmentations, min_active_ratio)
            if self._unhinted and segmentations is not None:
                window = segmentations.sliding_window.duration
                self._short = short_pairs(embeddings, segmentations.data, SHORT_SECONDS / window, kept[1], kept[2])
            return kept

        def assign_embeddings(
            self,
            embeddings: np.ndarray,
            train_chunk_idx: np.ndarray,
            train_speaker_idx: np.ndarray,
            train_clusters: np.ndarray,
            constrained: bool = False,
        ) -> Any:
            train = (train_chunk_idx, train_speaker_idx, train_clusters)
            if self._short is not None:
                train = add_short_voices(embeddings, train, self._short, min(self.threshold + SHORT_MARGIN, SHORT_CUT))
            return super().assign_embeddings(embeddings, *train, constrained=constrained)

    return NoiseAdaptiveClustering


Pairs = tuple[np.ndarray, np.ndarray]  # (chunk indices, speaker indices)


def short_pairs(
    embeddings: np.ndarray, segmentations: np.ndarray, min_ratio: float, chunks: np.ndarray, speakers: np.ndarray
) -> Pairs:
    """(window, speaker) pairs with an embedding and at least `min_ratio` of the window as clean
    (one-speaker) speech that clustering left out. `segmentations`: (chunks, frames, speakers) 0/1."""
    alone = segmentations.sum(axis=2, keepdims=True) == 1
    clean = (segmentations * alone).sum(axis=1)  # (chunks, speakers) frames
    candidate = (clean >= min_ratio * segmentations.shape[1]) & ~np.isnan(embeddings).any(axis=2)
    candidate[chunks, speakers] = False
    c, s = np.nonzero(candidate)
    return c, s


def add_short_voices(
    embeddings: np.ndarray, train: tuple[np.ndarray, np.ndarray, np.ndarray], short: Pairs, cut: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`train` (chunks, speakers, clusters) plus new clusters for the short pairs whose voice is further
    than `cut` (cosine distance) from every cluster's centroid; such pairs join one another's new
    cluster when within `cut` of its mean, in time order."""
    chunks, speakers, clusters = train
    if not len(short[0]) or not len(clusters):
        return train
    unit = _unit(embeddings[chunks, speakers])
    centroids = _unit(np.stack([unit[clusters == k].mean(axis=0) for k in range(int(clusters.max()) + 1)]))
    found: list[tuple[int, int, int]] = []
    voices: list[list[np.ndarray]] = []  # the new clusters' members
    for c, s in zip(*short, strict=True):
        v = _unit(embeddings[c, s][None])[0]
        if 1.0 - float(np.max(centroids @ v)) <= cut:
            continue
        means = [_unit(np.mean(members, axis=0)[None])[0] for members in voices]
        near = next((i for i, mean in enumerate(means) if 1.0 - float(mean @ v) <= cut), len(voices))
        if near == len(voices):
            voices.append([])
        voices[near].append(v)
        found.append((int(c), int(s), int(clusters.max()) + 1 + near))
    if not found:
        return train
    extra = np.array(found, dtype=np.int64).T
    return tuple(np.concatenate([old, new]) for old, new in zip(train, extra, strict=True))  # type: ignore[return-value]


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


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
