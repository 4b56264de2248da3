"""A second look at who speaks when: 0.5-s blocks re-assigned by the voice of the 1.5 s around them.

pyannote labels each (10-s window, local speaker) pair as a whole. Where voices alternate faster
than its segmentation tells them apart, a window's "local speaker" holds two people and its
embedding is a mixture; clustering then gives both people's turns to one speaker (real voices on
the dev set: 12-15 s of 140 confused in `conv/three-women`, benchmarks/diarization_eval.py).

Here every 0.5-s block of one-speaker speech gets the embedding of the 1.5 s around it, pooled from
the CAM++ frames the first pass computed (their sums are kept per block, so no network runs again),
and is compared with each found speaker's centroid of such windows. A run of at least 1 s that is
clearly closer to another found speaker (by MARGIN in cosine) moves to that speaker. The number of
speakers never changes, and nothing moves where the evidence is weak.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ..types import Diarization, SpeakerTurn

BLOCK_SECONDS = 0.5
BLOCK_FRAMES = 25  # CAM++ frames (20 ms) per block
CONTEXT_BLOCKS = 1  # blocks each side of the one judged: 1.5-s windows
MARGIN = 0.1  # cosine: how much closer another speaker must be (0.05 and 0.15 lost on the dev set)
MIN_RUN = 2  # blocks: a move covers at least 1 s
MIN_COVER = 0.5  # share of a block one speaker must hold for the block to count as theirs
CHUNK = 1000  # blocks embedded at a time

# (means, standard deviations) of frames, (m, 512) each -> unit-length voice embeddings (m, d)
Embedder = Callable[[np.ndarray, np.ndarray], np.ndarray]
Piece = TypeVar("Piece", bound=Any)  # a (channels, t) torch tensor or array of frames


@dataclass(frozen=True)
class BlockStats:
    """Sums of the CAM++ frames per 0.5-s block: enough to pool any run of blocks."""

    count: np.ndarray  # (n,) frames in each block
    total: np.ndarray  # (n, channels) sum of frames (float32: 15 MB per hour)
    squares: np.ndarray  # (n, channels) sum of squared frames


class BlockCollector:
    """Passes frame pieces (channels, t) through unchanged and keeps their per-block sums. Pieces
    must start on block boundaries (the trunk's 10-s blocks are 500 frames)."""

    def __init__(self) -> None:
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def tap(self, pieces: Iterator[Piece]) -> Iterator[Piece]:
        for piece in pieces:
            frames = np.asarray(piece.cpu().numpy() if hasattr(piece, "cpu") else piece, dtype=np.float64)
            if frames.shape[-1]:
                self._parts.append(_block_sums(frames))
            yield piece

    def result(self) -> BlockStats | None:
        if not self._parts:
            return None
        count, total, squares = (np.concatenate(p) for p in zip(*self._parts, strict=True))
        return BlockStats(count, total, squares)


def _block_sums(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    channels, t = frames.shape
    n = -(-t // BLOCK_FRAMES)
    padded = np.zeros((channels, n * BLOCK_FRAMES))
    padded[:, :t] = frames
    blocks = padded.reshape(channels, n, BLOCK_FRAMES)
    count = np.full(n, float(BLOCK_FRAMES))
    count[-1] = t - (n - 1) * BLOCK_FRAMES
    return count, blocks.sum(-1).T.astype(np.float32), (blocks**2).sum(-1).T.astype(np.float32)


def resegment(found: Diarization, stats: BlockStats, embed: Embedder) -> Diarization:
    """`found` with confidently mis-assigned runs of blocks moved to the speaker they sound like."""
    labels = block_labels(found.exclusive, len(stats.count))
    speakers = sorted({s for s in labels if s is not None})
    if len(speakers) < 2:
        return found
    rows, embeddings = window_embeddings(stats, labels, embed)
    if not rows:
        return found
    centroids = speaker_centroids(labels, rows, embeddings, speakers)
    scores = embeddings @ centroids.T
    moved = moves(labels, rows, scores, speakers)
    if not moved:
        return found
    spans = [(b * BLOCK_SECONDS, (b + 1) * BLOCK_SECONDS, labels[b], new) for b, new in moved]
    return Diarization(
        turns=move_spans(found.turns, spans), exclusive=move_spans(found.exclusive, spans), voices=found.voices
    )


def block_labels(exclusive: Sequence[SpeakerTurn], count: int) -> list[str | None]:
    """The speaker holding at least MIN_COVER of each block, else None (silence, or a change)."""
    cover = np.zeros(count)
    labels: list[str | None] = [None] * count
    for turn in exclusive:
        first = max(0, int(turn.start / BLOCK_SECONDS))
        for b in range(first, min(count, int(np.ceil(turn.end / BLOCK_SECONDS)))):
            held = min(turn.end, (b + 1) * BLOCK_SECONDS) - max(turn.start, b * BLOCK_SECONDS)
            if held > cover[b]:
                cover[b], labels[b] = held, turn.speaker
    return [s if cover[b] >= MIN_COVER * BLOCK_SECONDS else None for b, s in enumerate(labels)]


def window_embeddings(stats: BlockStats, labels: Sequence[str | None], embed: Embedder) -> tuple[list[int], np.ndarray]:
    """(blocks judged, their window embeddings): each speech block pooled with its speech neighbours,
    where those give more than 1.5 blocks of frames. CHUNK blocks at a time: whole-file float64
    copies of the sums were +200 MiB at the end of a 60-min run."""
    speech = np.array([s is not None for s in labels], dtype=np.float64)
    count = _window_sums(stats.count * speech, 0, len(labels))
    rows = [b for b in range(len(labels)) if speech[b] and count[b] > BLOCK_FRAMES * (CONTEXT_BLOCKS + 0.5)]
    if not rows:
        return [], np.zeros((0, 0))
    parts: list[np.ndarray] = []
    weights = speech[:, None]  # only speech blocks pool into a window
    for lo in range(0, len(rows), CHUNK):
        chosen = np.array(rows[lo : lo + CHUNK])
        first, last = chosen[0], chosen[-1] + 1
        total = _window_sums(stats.total, first, last, weights)[chosen - first]
        squares = _window_sums(stats.squares, first, last, weights)[chosen - first]
        n = count[chosen][:, None]
        mean = total / n
        parts.append(embed(mean, np.sqrt(np.clip(squares / n - mean**2, 1e-10, None))))
    return rows, np.concatenate(parts)


def _window_sums(values: np.ndarray, first: int, last: int, weights: np.ndarray | None = None) -> np.ndarray:
    """For blocks first..last-1: the (weighted, float64) sum of `values` over each block's window."""
    out = np.zeros((last - first, *values.shape[1:]))
    for offset in range(-CONTEXT_BLOCKS, CONTEXT_BLOCKS + 1):
        lo, hi = max(0, first + offset), min(len(values), last + offset)
        if lo >= hi:
            continue
        part = values[lo:hi].astype(np.float64)
        out[lo - offset - first : hi - offset - first] += part * weights[lo:hi] if weights is not None else part
    return out


def speaker_centroids(
    labels: Sequence[str | None], rows: Sequence[int], embeddings: np.ndarray, speakers: Sequence[str]
) -> np.ndarray:
    """Unit mean of each speaker's windows lying wholly inside their own speech (any of theirs if none)."""
    centroids = np.zeros((len(speakers), embeddings.shape[1]))
    for k, speaker in enumerate(speakers):
        own = [i for i, b in enumerate(rows) if labels[b] == speaker]
        pure = [i for i in own if all(_label(labels, b) == speaker for b in _window(rows[i]))]
        chosen = pure or own
        if chosen:
            mean = embeddings[chosen].mean(axis=0)
            centroids[k] = mean / max(np.linalg.norm(mean), 1e-12)
    return centroids


def moves(
    labels: Sequence[str | None], rows: Sequence[int], scores: np.ndarray, speakers: Sequence[str]
) -> list[tuple[int, str]]:
    """(block, new speaker) for runs of >= MIN_RUN blocks in a row, each closer by MARGIN to the same other speaker."""
    index = {s: k for k, s in enumerate(speakers)}
    wants: dict[int, str] = {}
    for i, b in enumerate(rows):
        current, best = labels[b], int(np.argmax(scores[i]))
        if current is not None and speakers[best] != current and scores[i, best] - scores[i, index[current]] > MARGIN:
            wants[b] = speakers[best]
    out: list[tuple[int, str]] = []
    run: list[int] = []
    for b in sorted(wants):
        if run and (b != run[-1] + 1 or wants[b] != wants[run[-1]]):
            out += [(x, wants[x]) for x in run] if len(run) >= MIN_RUN else []
            run = []
        run.append(b)
    out += [(x, wants[x]) for x in run] if len(run) >= MIN_RUN else []
    return out


def move_spans(
    turns: Sequence[SpeakerTurn], spans: Sequence[tuple[float, float, str | None, str]]
) -> tuple[SpeakerTurn, ...]:
    """Turns with each (start, end, from, to) span's part of `from`'s turns given to `to`, then
    touching pieces of one speaker joined."""
    pieces = [(t.start, t.end, t.speaker) for t in turns]
    for lo, hi, old, new in spans:
        cut: list[tuple[float, float, str]] = []
        for start, end, speaker in pieces:
            if speaker != old or end <= lo or start >= hi:
                cut.append((start, end, speaker))
                continue
            cut += [(start, lo, speaker)] if start < lo else []
            cut.append((max(start, lo), min(end, hi), new))
            cut += [(hi, end, speaker)] if hi < end else []
        pieces = cut
    return _joined(sorted(pieces, key=lambda p: (p[2], p[0])))


def _joined(pieces: Sequence[tuple[float, float, str]]) -> tuple[SpeakerTurn, ...]:
    out: list[SpeakerTurn] = []
    for start, end, speaker in pieces:
        if out and out[-1].speaker == speaker and start <= out[-1].end + 1e-9:
            out[-1] = SpeakerTurn(out[-1].start, max(out[-1].end, end), speaker)
        else:
            out.append(SpeakerTurn(start, end, speaker))
    return tuple(sorted((t for t in out if t.end - t.start > 1e-6), key=lambda t: (t.start, t.end, t.speaker)))


def _window(block: int) -> range:
    return range(block - CONTEXT_BLOCKS, block + CONTEXT_BLOCKS + 1)


def _label(labels: Sequence[str | None], block: int) -> str | None:
    return labels[block] if 0 <= block < len(labels) else None
