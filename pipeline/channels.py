"""Which channels carry which talker: whether a multichannel file is split, and each channel's own speech.

Call recorders keep each side of a call on its own channel, each with a little of the other side
leaking in (crosstalk, echo): every 0.1-s frame of speech is loud in one channel and 15-30 dB
quieter in the other, and which channel is loud swaps as the talkers take turns. A dual-mono file
(the same signal twice) or a stereo programme (a TV clip, speech over a music bed) has its speech
at about the same level in both channels. `auto` splits a file of two channels only when both
sides hold the floor in their own right (measured per frame, `measure`); files of more channels
stay mixed unless the user asks for `split`.

The measures, on 0.1-s frames where the louder channel is above its noise floor (docs/calls.md has
them for the test files): `correlation` of the two waveforms (1 for dual-mono), `left` / `right` the
shares of those frames where that channel is DOMINANT_DB louder than the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FRAME_SECONDS = 0.1
DOMINANT_DB = 10.0  # a frame is one side's when that channel is this much louder than the other
MIN_SIDE_SHARE = 0.1  # split when each side holds at least this share of the active frames
MAX_CORRELATION = 0.9  # waveforms this alike are one programme (dual-mono), whatever the levels
SILENT_PEAK = 1e-3  # a channel whose loudest sample stays under -60 dBFS holds nothing (one-sided stereo)
ACTIVE_DB = 15.0  # a frame is active when its louder channel is this far above that channel's floor
# Own speech for a split channel: a frame belongs to a channel unless another channel is
# BLEED_DB louder there (crosstalk), then widened by HANGOVER so word edges are not cut.
BLEED_DB = 10.0
HANGOVER_SECONDS = 0.1  # 0.3 let whisper hear (and write) the other side's first words at each turn change


@dataclass(frozen=True)
class Layout:
    """How a file's channels are used: `mode` mix (one downmix, diarized) or split (each channel
    on its own, its own speaker(s)); `asked` what --channels said; `reason` for the log."""

    mode: str
    asked: str
    count: int  # channels in the file
    reason: str
    measures: dict[str, float] = field(default_factory=dict)

    def provenance(self) -> dict[str, object]:
        return {"mode": self.mode, "asked": self.asked, "count": self.count, "reason": self.reason, **self.measures}


def choose(channels: np.ndarray | None, asked: str, sample_rate: int) -> Layout:
    """The layout for a file whose channels are `channels` ((c, n), None for mono) under --channels `asked`."""
    count = 1 if channels is None else int(channels.shape[0])
    if asked == "mix":
        return Layout("mix", asked, count, "--channels mix")
    if count == 1:
        return Layout("mix", asked, count, "one channel")
    if asked == "split":
        return Layout("split", asked, count, "--channels split")
    if channels is None or count != 2:
        return Layout("mix", asked, count, f"{count} channels: auto splits only two (use --channels split)")
    silent = [i + 1 for i, ch in enumerate(channels) if float(np.max(np.abs(ch), initial=0.0)) < SILENT_PEAK]
    if silent:
        return Layout("mix", asked, count, f"channel {silent[0]} is silent")
    found = measure(channels[0], channels[1], sample_rate)
    mode, reason = _decide(found)
    return Layout(mode, asked, count, reason, found)


def _decide(found: dict[str, float]) -> tuple[str, str]:
    if found["correlation"] >= MAX_CORRELATION:
        return "mix", f"channels alike (waveform correlation {found['correlation']:.2f})"
    sides = min(found["left"], found["right"])
    if sides >= MIN_SIDE_SHARE:
        return "split", f"each channel holds its own talker ({found['left']:.0%} / {found['right']:.0%} of speech)"
    return "mix", f"no second talker on its own channel ({found['left']:.0%} / {found['right']:.0%} of speech)"


def measure(left: np.ndarray, right: np.ndarray, sample_rate: int) -> dict[str, float]:
    """Waveform correlation, and the shares of active frames each channel dominates."""
    levels = np.stack([frame_levels(left, sample_rate), frame_levels(right, sample_rate)])  # (2, frames) dB
    louder = levels.max(axis=0)
    active = louder > np.percentile(levels, 10, axis=1).max() + ACTIVE_DB
    difference = (levels[0] - levels[1])[active]
    shares = (
        (float(np.mean(difference > DOMINANT_DB)), float(np.mean(difference < -DOMINANT_DB)))
        if active.any()
        else (0.0, 0.0)
    )
    return {
        "correlation": round(_correlation(left, right), 3),
        "left": round(shares[0], 3),
        "right": round(shares[1], 3),
        "active_seconds": round(float(active.sum()) * FRAME_SECONDS, 1),
    }


def frame_levels(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """RMS level of each FRAME_SECONDS frame in dB (full scale 0)."""
    size = int(FRAME_SECONDS * sample_rate)
    count = max(1, len(samples) // size)
    frames = np.zeros((count, size), dtype=np.float64)
    usable = min(len(samples), count * size)
    frames.reshape(-1)[:usable] = samples[:usable]
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-10)


def _correlation(left: np.ndarray, right: np.ndarray) -> float:
    a, b = left.astype(np.float64), right.astype(np.float64)
    a, b = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
    return float(np.dot(a, b) / denominator) if denominator > 0 else 1.0


def own_speech(channels: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(c, frames) masks of each channel's own speech: `strict`, where no other channel is BLEED_DB
    louder (crosstalk), and `padded`, the same widened by HANGOVER_SECONDS either side so speech
    recognition hears whole words (the diarizer's turns are cut back to `strict`)."""
    levels = np.stack([frame_levels(ch, sample_rate) for ch in channels])
    strict = levels >= levels.max(axis=0, keepdims=True) - BLEED_DB
    reach = int(round(HANGOVER_SECONDS / FRAME_SECONDS))
    kernel = np.ones(2 * reach + 1)
    padded = np.stack([np.convolve(row.astype(float), kernel, mode="same") > 0 for row in strict])
    return strict, padded


def spans(mask: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) seconds of the runs of True frames in `mask`."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(float(a) * FRAME_SECONDS, float(b) * FRAME_SECONDS) for a, b in zip(starts, ends, strict=True)]


def gated(channel: np.ndarray, own: np.ndarray, sample_rate: int) -> np.ndarray:
    """`channel` with the frames that are not its own speech (`own`, per frame) set to silence."""
    size = int(FRAME_SECONDS * sample_rate)
    mask = np.repeat(own, size)[: len(channel)]
    if len(mask) < len(channel):  # the last partial frame follows the frame before it
        mask = np.concatenate([mask, np.full(len(channel) - len(mask), bool(own[-1]) if len(own) else True)])
    return np.where(mask, channel, 0.0).astype(np.float32)
