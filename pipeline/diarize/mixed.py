"""Speakers that sound like two people: their speech falls into two tight groups of voices.

When clustering merges two voices into one speaker (two people on a phone call whose voices sit
closer than the cut), the names rules would name that speaker after one of them and give the other
person's words her name. Here each found speaker's speech is cut into 2-s pieces, embedded from the
CAM++ frame sums the first pass kept (resegment.BlockStats: no network runs again), and split in
two by Ward-linkage clustering (balanced halves; average linkage splits off outliers). A speaker
is *mixed* when both halves hold a real share of its pieces and their centroids are further apart
than one voice's own halves were on real speech (benchmarks/mixed_eval.py). Mixed speakers keep
their turns; they are only left unnamed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..types import Diarization
from .resegment import BLOCK_FRAMES, BlockStats, Embedder, block_labels

PIECE_BLOCKS = 4  # 2-s pieces: long enough for a stable voice embedding, short enough for many
MIN_PIECE_BLOCKS = 3  # a run's remainder this long still makes a piece
MIN_PIECES = 12  # a speaker with fewer pieces (24 s) is not judged: 10-piece AMI voices reached 0.64
MIN_SHARE = 0.15  # each half holds at least this share of the pieces
SPLIT_DISTANCE = 0.4  # between the halves' centroids (cosine): one real voice reached 0.34, merged pairs 0.49-0.99


def mixed_speakers(found: Diarization, stats: BlockStats, embed: Embedder) -> frozenset[str]:
    """The speakers of `found` whose speech splits into two distinct voices."""
    labels = block_labels(found.exclusive, len(stats.count))
    mixed = set()
    for speaker in sorted({s for s in labels if s is not None}):
        pieces = speaker_pieces(labels, speaker)
        if len(pieces) >= MIN_PIECES and split_distance(piece_embeddings(stats, pieces, embed)) > SPLIT_DISTANCE:
            mixed.add(speaker)
    return frozenset(mixed)


def speaker_pieces(labels: Sequence[str | None], speaker: str) -> list[range]:
    """Runs of the speaker's blocks cut into PIECE_BLOCKS-block pieces."""
    pieces: list[range] = []
    b = 0
    while b < len(labels):
        if labels[b] != speaker:
            b += 1
            continue
        end = b
        while end < len(labels) and labels[end] == speaker:
            end += 1
        for lo in range(b, end, PIECE_BLOCKS):
            if min(end, lo + PIECE_BLOCKS) - lo >= MIN_PIECE_BLOCKS:
                pieces.append(range(lo, min(end, lo + PIECE_BLOCKS)))
        b = end
    return pieces


def piece_embeddings(stats: BlockStats, pieces: Sequence[range], embed: Embedder) -> np.ndarray:
    """(pieces, d) unit embeddings, each pooled over its blocks' frames."""
    count = np.array([stats.count[p].sum() for p in pieces], dtype=np.float64)[:, None]
    total = np.stack([stats.total[p].astype(np.float64).sum(axis=0) for p in pieces])
    squares = np.stack([stats.squares[p].astype(np.float64).sum(axis=0) for p in pieces])
    mean = total / np.maximum(count, BLOCK_FRAMES)
    return embed(mean, np.sqrt(np.clip(squares / np.maximum(count, BLOCK_FRAMES) - mean**2, 1e-10, None)))


def split_distance(embeddings: np.ndarray) -> float:
    """Cosine distance between the centroids of the two halves Ward linkage splits the pieces
    into; 0 when the smaller half holds under MIN_SHARE of them (an outlier, not a voice)."""
    from scipy.cluster.hierarchy import fcluster, linkage

    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    groups = fcluster(linkage(unit, method="ward"), t=2, criterion="maxclust")
    sizes = [int(np.sum(groups == g)) for g in (1, 2)]
    if min(sizes) < MIN_SHARE * len(embeddings):
        return 0.0
    a, b = (_unit(embeddings[groups == g].mean(axis=0)) for g in (1, 2))
    return float(1.0 - a @ b)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / max(float(np.linalg.norm(x)), 1e-12)
