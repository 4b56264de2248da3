"""A speaker count from the recording's own structure: the eigengap of a pruned affinity graph.

A global distance cut merges two voices that happen to sit close (a phone call's two people at 0.65
when the cut is 0.7) and splits one voice that noise scatters. The graph view asks a different
question: keep each window's strongest links to other windows (a voice's windows link mostly to
one another), and count the groups the graph falls into. With k well-separated groups the graph
Laplacian has k near-zero eigenvalues and then a jump; the largest jump among the first `max_count`
gives the count. The idea is the one spectral diarizers use with these same CAM++ embeddings; this
is a small numpy formulation of it.

On short recordings there are few windows and every gap is noisy, which over-counts: below
`min_windows` no estimate is made, and an estimate must beat the next-largest gap by `margin`.

Tried against the distance cut by held-out evaluation (benchmarks/speaker_count.py), it lost on
every held-out fold, so it lives here, not in the pipeline: `graph_clustering` is the pipeline's
clustering with this count put in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_COUNT = 10  # the eigengap is read over counts 1..MAX_COUNT


@dataclass(frozen=True)
class CountRule:
    """eigengap: the graph's count where it is trusted, else the cut's; more: the larger of the two."""

    method: str = "eigengap"
    keep: float = 0.1  # share of each window's strongest links kept in the graph
    min_windows: int = 20  # fewer clustered windows: no graph estimate
    margin: float = 1.5  # the chosen eigengap must be this many times the next-largest


@dataclass(frozen=True)
class Eigengap:
    count: int  # groups the graph falls into
    gaps: tuple[float, ...]  # eigenvalue jumps 1..max_count (index i: between the i-th and (i+1)-th)
    confidence: float  # the chosen jump over the next-largest one (inf when it is the only one)


def pruned_affinity(embeddings: np.ndarray, keep: float, min_keep: int = 6) -> np.ndarray:
    """Symmetric (n, n) affinity: each row's cosine similarities, only its `keep` share of strongest
    links (at least `min_keep`) kept, negatives dropped, then averaged with its transpose."""
    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    similarity = np.clip(unit @ unit.T, 0.0, 1.0)
    n = len(similarity)
    links = min(n, max(min_keep, int(np.ceil(keep * n))))
    weakest = np.argsort(similarity, axis=1)[:, : n - links]  # per row, the links to drop
    pruned = similarity.copy()
    np.put_along_axis(pruned, weakest, 0.0, axis=1)
    return 0.5 * (pruned + pruned.T)


def eigengap(embeddings: np.ndarray, max_count: int, keep: float = 0.1) -> Eigengap:
    """The count whose eigengap is largest among 1..max_count (`embeddings`: (n, d), n >= 2)."""
    affinity = pruned_affinity(embeddings, keep)
    laplacian = np.diag(affinity.sum(axis=1)) - affinity
    values = np.linalg.eigvalsh(laplacian)  # ascending
    top = min(max_count, len(values) - 1)
    gaps = np.diff(values[: top + 1])
    order = np.argsort(gaps)[::-1]
    best = int(order[0])
    runner_up = float(gaps[order[1]]) if len(order) > 1 else 0.0
    confidence = float(gaps[best] / runner_up) if runner_up > 0 else float("inf")
    return Eigengap(best + 1, tuple(float(g) for g in gaps), confidence)


def estimated_count(embeddings: np.ndarray, max_count: int, keep: float, min_windows: int, margin: float) -> int | None:
    """The eigengap count, or None where it should not be trusted: too few windows to form groups,
    or a largest jump that does not stand out from the next one by `margin`."""
    if len(embeddings) < max(min_windows, 3):
        return None
    found = eigengap(embeddings, max_count, keep)
    return found.count if found.confidence >= margin else None


def graph_clustering(base: Any, rule: CountRule) -> Any:
    """`base` (the pipeline's clustering object) with its speaker count taken from the graph."""

    class GraphCounted(type(base)):  # type: ignore[misc]
        def cluster(self, embeddings, min_clusters=None, max_clusters=None, num_clusters=None):
            if num_clusters is not None or not self._unhinted:
                return super().cluster(embeddings, min_clusters, max_clusters, num_clusters)
            top = min(MAX_COUNT, max_clusters or MAX_COUNT)
            guess = estimated_count(np.array(embeddings), top, rule.keep, rule.min_windows, rule.margin)
            cut = super().cluster(embeddings, min_clusters, max_clusters, None)
            found = len(np.unique(cut))
            if guess is None or guess == found or (rule.method == "more" and guess < found):
                return cut
            return super().cluster(embeddings, min_clusters, max_clusters, guess)

    base.__class__ = GraphCounted
    return base
