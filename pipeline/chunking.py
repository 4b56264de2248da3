"""Speech regions (from VAD) packed into the clips that batched Whisper decodes, cut at the pauses.

faster-whisper's own batching joins speech regions end to end with the pauses cut out, and starts
a new chunk wherever the next region would not fit. Joined speech runs sentences together, so it
decodes worse with longer chunks (episode WER 8.1 % at 30 s, 7.0 % at 20 s, where 20-s chunks cost
a third more encoder passes: Whisper pads every chunk to 30 s). Here a clip is one stretch of the
recording, pauses kept, as Whisper was trained on; it ends at the longest pause among the places
that leave it at least 3/4 full. Pauses are measured between the unpadded VAD regions: padded ones
touch wherever the pause is under 0.8 s, which hid every pause of a fluent speaker and filled each
clip to the last region that fitted, often mid-sentence (the excerpt: WER 8.5 % -> 6.1 %; over
the eight recordings of benchmarks/asr_eval.py, 7.31 % -> 6.82 %).
Clips are views of the audio, never copies.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

MAX_CLIP = 30.0  # seconds: Whisper's window
# A clip is cut early, at a longer pause, only once it is this full. 0.5 and 0.75 gave the same WER
# over benchmarks/asr_eval.py's recordings (6.79 % and 6.82 %; 0.65: 7.12 %, a noisy landscape);
# 0.75 keeps the encoder passes where they were (the episode: 33 clips, 37 at 0.5, 32 before).
MIN_FILL = 0.75
SPEECH_PAD = 0.4  # seconds of context around each speech region (faster-whisper's VAD padding)


def pad_regions(raw: Sequence[tuple[float, float]], total: float, pad: float = SPEECH_PAD) -> list[tuple[float, float]]:
    """VAD regions widened by `pad` on each side, by faster-whisper's rule: where two are closer than
    2 × pad, each takes half the pause, so they touch. Touching regions hide how long the pause
    between them was; `pack_clips` is told that from the unpadded regions."""
    out = [list(r) for r in raw]
    for k, region in enumerate(out):
        if k == 0:
            region[0] = max(0.0, region[0] - pad)
        if k + 1 < len(out):
            gap = raw[k + 1][0] - raw[k][1]
            half = gap / 2 if gap < 2 * pad else pad
            region[1] = raw[k][1] + half
            out[k + 1][0] = max(0.0, raw[k + 1][0] - half)
        else:
            region[1] = min(total, region[1] + pad)
    return [(a, b) for a, b in out]


def pauses(raw: Sequence[tuple[float, float]]) -> list[float]:
    """Seconds of silence after each unpadded region but the last."""
    return [max(0.0, b[0] - a[1]) for a, b in zip(raw, raw[1:], strict=False)]


def pack_clips(
    speech: Sequence[tuple[float, float]],
    max_clip: float = MAX_CLIP,
    min_fill: float = MIN_FILL,
    silence: Sequence[float] | None = None,
) -> list[tuple[float, float]]:
    """(start, end) clips, in order, each spanning whole speech regions and at most `max_clip` long.

    `speech`: sorted, non-overlapping (start, end) regions, each at most `max_clip` long (a longer
    one is cut at `max_clip`). `silence[k]`: how long the pause after region k really is, when the
    regions are padded (`pad_regions`); by default, the gap between them."""
    gaps = list(silence) if silence is not None else pauses(speech)
    clips: list[tuple[float, float]] = []
    i = 0
    while i < len(speech):
        start = speech[i][0]
        last = i  # the furthest region that still fits in a clip starting here
        while last + 1 < len(speech) and speech[last + 1][1] - start <= max_clip:
            last += 1
        end = last
        if last + 1 < len(speech):  # more follows: end at the longest pause among full-enough places
            full = [k for k in range(i, last + 1) if speech[k][1] - start >= min_fill * max_clip]
            if full:
                end = max(full, key=lambda k: (gaps[k], k))
        clips.append((start, min(speech[end][1], start + max_clip)))
        i = end + 1
    return clips


UNHEARD_SPEECH = 2.0  # seconds of speech with no word that send a part of a clip back to the decoder
WORD_REACH = 0.5  # seconds around a word that count as heard: word times from alignment are loose


def unheard(
    clips: Sequence[tuple[float, float]],
    speech: Sequence[tuple[float, float]],
    words: Sequence[tuple[float, float]],
    min_speech: float = UNHEARD_SPEECH,
    reach: float = WORD_REACH,
) -> list[tuple[float, float]]:
    """(start, end) stretches of speech, inside one clip each, that no word covers: at least
    `min_speech` seconds of speech from the end of one word (or the clip's start) to the next word
    (or the clip's end). Batched Whisper decodes a clip once; when its text stops early, often where
    the voice changes, the rest of the clip is lost, and these stretches are decoded again.

    `speech` and `words`: sorted (start, end) spans; a word belongs to the clip holding its middle."""
    found: list[tuple[float, float]] = []
    middles = [(a + b) / 2 for a, b in words]
    ends = [b for _, b in speech]
    for lo, hi in clips:
        inside = words[bisect_left(middles, lo) : bisect_left(middles, hi)]  # its words, not a neighbour's
        near = speech[bisect_right(ends, lo) : bisect_left(ends, hi) + 1]  # the spans that reach into it
        edges = [lo, *(t for a, b in inside for t in (a - reach, b + reach)), hi]
        for gap_lo, gap_hi in zip(edges[::2], edges[1::2], strict=True):
            parts = [(max(a, gap_lo), min(b, gap_hi)) for a, b in near if b > gap_lo and a < gap_hi]
            if sum(b - a for a, b in parts) >= min_speech:
                found.append((parts[0][0], parts[-1][1]))
    return found
