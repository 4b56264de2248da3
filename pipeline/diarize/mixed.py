"""Speakers that sound like two people: their speech falls into two tight groups of voices.

When clustering merges two voices into one speaker (two people on a phone call whose voices sit
closer than the cut), the names rules would name that speaker after one of them and give the other
person's words her name. Here each found speaker's speech is cut into 2-s pieces, embedded from the
CAM++ frame sums the first pass kept (resegment.BlockStats: no network runs again), and split in
two by Ward-linkage clustering (balanced halves; average linkage splits off outliers). A speaker
is *mixed* when both halves hold a real share of its pieces and their centroids are further apart
than one voice's own halves were on real speech (benchmarks/mixed_eval.py).

`split_mixed` then gives the smaller half its own speaker (the count comes from the recording's
own voices, not from one global cut), and the resegmentation pass settles the edges; a speaker that
still sounds like two voices after that stays unnamed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..types import Diarization
from .resegment import BLOCK_FRAMES, BLOCK_SECONDS, BlockStats, Embedder, block_labels, move_spans

PIECE_BLOCKS = 4  # 2-s pieces: long enough for a stable voice embedding, short enough for many
MIN_PIECE_BLOCKS = 3  # a run's remainder this long still makes a piece
# A speaker with fewer pieces (24 s) is not judged. 8 pieces would find more merged pairs (36 of 56
# held-out, against 26: benchmarks/split_eval.py), but a real meeting voice of 10 pieces reached 0.64
# (benchmarks/mixed_eval.py: ami/trn09's FEE083), far over the cut.
MIN_PIECES = 12
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


def split_mixed(
    found: Diarization, stats: BlockStats, embed: Embedder, room: int | None = None, distance: float = SPLIT_DISTANCE
) -> Diarization:
    """`found` with each mixed speaker's smaller half of pieces given to a new speaker ("<speaker>+"),
    at most `room` new speakers (None: no limit). Split speakers lose their voice centroid (it was
    the two voices' mixture)."""
    labels = block_labels(found.exclusive, len(stats.count))
    spans: list[tuple[float, float, str | None, str]] = []
    split: set[str] = set()
    for speaker in sorted({s for s in labels if s is not None}):
        pieces = speaker_pieces(labels, speaker)
        if len(pieces) < MIN_PIECES or (room is not None and len(split) >= room):
            continue
        groups = two_voices(piece_embeddings(stats, pieces, embed), distance)
        if groups is None:
            continue
        split.add(speaker)
        moved = [pieces[i] for i in groups[1]]
        spans += [(p.start * BLOCK_SECONDS, p.stop * BLOCK_SECONDS, speaker, f"{speaker}+") for p in moved]
    if not split:
        return found
    return Diarization(
        turns=move_spans(found.turns, spans),
        exclusive=move_spans(found.exclusive, spans),
        voices=tuple((s, v) for s, v in found.voices if s not in split),
    )


def two_voices(embeddings: np.ndarray, distance: float = SPLIT_DISTANCE) -> tuple[np.ndarray, np.ndarray] | None:
    """(larger half, smaller half) indices when the pieces split into two voices further apart
    than `distance`, else None."""
    groups, apart = _halves(embeddings)
    if apart <= distance:
        return None
    halves = sorted((np.flatnonzero(groups == g) for g in (1, 2)), key=len, reverse=True)
    return halves[0], halves[1]


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
    return _halves(embeddings)[1]


def _halves(embeddings: np.ndarray) -> tuple[np.ndarray, float]:
    """Ward's two groups (labels 1 and 2) and their centroids' cosine distance (0: no real split)."""
    from scipy.cluster.hierarchy import fcluster, linkage

    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    groups = fcluster(linkage(unit, method="ward"), t=2, criterion="maxclust")
    sizes = [int(np.sum(groups == g)) for g in (1, 2)]
    if min(sizes) < MIN_SHARE * len(embeddings):
        return groups, 0.0
    a, b = (_unit(embeddings[groups == g].mean(axis=0)) for g in (1, 2))
    return groups, float(1.0 - a @ b)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / max(float(np.linalg.norm(x)), 1e-12)
