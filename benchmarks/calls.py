"""Multichannel test recordings made from real voices: two-sided calls, dual-mono, a stereo music bed.

No real two-channel call with a reference ships here, so calls are assembled the way call recorders
store them: each talker on their own channel, the other side leaking in BLEED_DB quieter (as a
handset's echo or a shared room does), and some turns overlapping.
- `ami_call`: two real AMI voices (tests/data/ami, their solo stretches), turns taking place in
  alternation with a share of them starting before the other finishes (overlap);
- `reference_call`: a real mono recording of two people (the sales call in ../shared/real-speakers)
  split by its reference turns, each person's speech on their side;
- `dual_mono`: one real recording copied to both channels;
- `music_bed`: real speech in the centre over a synthetic stereo "music" bed (chords of harmonics,
  one instrument panned to each side, notes changing every half second), 12 dB under the speech.
Every builder returns (channels (2, n) float32, reference turns).
"""

from __future__ import annotations

import subprocess
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.devset import _solo_pieces
from pipeline.audio import ffmpeg_binary
from pipeline.types import SAMPLE_RATE, SpeakerTurn

BLEED_DB = 20.0  # the other side, heard on a channel this much quieter
OVERLAP_EVERY = 3  # every third turn starts before the previous one ends
OVERLAP_SECONDS = 0.8
VOICES = (("trn03", "MÉO069"), ("trn05", "FEE078"))  # a man and a woman, from different meetings


def ami_call(voices: Sequence[tuple[str, str]] = VOICES, seconds: float = 30.0, bleed_db: float = BLEED_DB):
    """Two real voices, one per channel, alternating (some overlapping) for about `seconds`."""
    queues = [_solo_pieces(clip, speaker) for clip, speaker in voices]
    sides: list[list[tuple[int, np.ndarray]]] = [[], []]
    turns: list[SpeakerTurn] = []
    cursor, index = 0.5, 0
    while cursor < seconds and any(queues):
        side = index % 2
        if not queues[side]:
            side = 1 - side
        piece = queues[side].pop(0)
        start = cursor - (OVERLAP_SECONDS if index and index % OVERLAP_EVERY == 0 else 0.0)
        sides[side].append((int(start * SAMPLE_RATE), piece))
        turns.append(SpeakerTurn(round(start, 3), round(start + len(piece) / SAMPLE_RATE, 3), voices[side][1]))
        cursor = start + len(piece) / SAMPLE_RATE + 0.4
        index += 1
    length = int((cursor + 0.5) * SAMPLE_RATE)
    dry = np.zeros((2, length), dtype=np.float32)
    for side, pieces in enumerate(sides):
        for at, piece in pieces:
            dry[side, at : at + len(piece)] += piece
    return with_bleed(dry, bleed_db), sorted(turns, key=lambda t: t.start)


def with_bleed(dry: np.ndarray, bleed_db: float) -> np.ndarray:
    """Each channel plus the other, `bleed_db` quieter."""
    gain = 10 ** (-bleed_db / 20)
    return np.clip(dry + gain * dry[::-1], -1.0, 1.0).astype(np.float32)


def reference_call(samples: np.ndarray, turns: Sequence[SpeakerTurn], bleed_db: float = BLEED_DB) -> np.ndarray:
    """A mono recording of two people split onto two channels by its reference `turns`: each
    moment belongs to the person whose turn is nearest (what the reference leaves out, a breath or
    an untranscribed word, is still someone's side), at full level on their channel and `bleed_db`
    quieter on the other; where both people's turns overlap, both channels are at full level."""
    people = sorted({t.speaker for t in turns})
    if len(people) != 2:
        raise ValueError(f"reference_call needs two speakers, the reference has {len(people)}")
    step = SAMPLE_RATE // 100  # 10-ms decisions
    times = (np.arange(-(-len(samples) // step)) + 0.5) / 100
    distance = np.full((2, len(times)), np.inf)
    for turn in turns:
        side = people.index(turn.speaker)
        gap = np.maximum(np.maximum(turn.start - times, times - turn.end), 0.0)
        distance[side] = np.minimum(distance[side], gap)
    gain = 10 ** (-bleed_db / 20)
    nearest = np.where(distance[0] <= distance[1], 0, 1)
    levels = np.full((2, len(times)), gain, dtype=np.float32)
    levels[nearest, np.arange(len(times))] = 1.0
    levels[:, (distance == 0).all(axis=0)] = 1.0  # overlapped speech: both sides at full level
    masks = np.repeat(levels, step, axis=1)[:, : len(samples)]
    return (masks * samples[None]).astype(np.float32)


def dual_mono(samples: np.ndarray) -> np.ndarray:
    return np.stack([samples, samples]).astype(np.float32)


def music_bed(speech: np.ndarray, under_db: float = 12.0, seed: int = 7) -> np.ndarray:
    """`speech` in the centre over a stereo bed: two instruments (harmonic chords), one each side."""
    rng = np.random.default_rng(seed)
    n = len(speech)
    t = np.arange(n) / SAMPLE_RATE
    bed = np.zeros((2, n))
    note = int(0.5 * SAMPLE_RATE)
    for side in range(2):
        for lo in range(0, n, note):
            root = 110.0 * 2 ** (rng.integers(0, 24) / 12)
            span = slice(lo, min(n, lo + note))
            bed[side, span] = sum(np.sin(2 * np.pi * root * k * t[span]) / k for k in (1, 2, 3, 4, 5))
    pan = np.array([[0.8, 0.2], [0.2, 0.8]])  # instrument 1 mostly left, 2 mostly right
    bed = pan @ bed
    power = float(np.mean(speech.astype(np.float64) ** 2))
    bed *= np.sqrt(power / 10 ** (under_db / 10) / max(float(np.mean(bed**2)), 1e-12))
    return np.clip(speech[None] + bed, -1.0, 1.0).astype(np.float32)


def write_stereo(path: Path, channels: np.ndarray) -> Path:
    """16-bit WAV of `channels` (c, n) at 16 kHz."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels.shape[0])
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((np.clip(channels.T, -1.0, 1.0) * 32767).astype("<i2").tobytes())
    return path


def encode(source: Path, target: Path, args: Sequence[str]) -> Path:
    """A copy through ffmpeg (e.g. telephone band, MP3), keeping the channels."""
    command = [ffmpeg_binary(), "-nostdin", "-v", "error", "-y", "-i", str(source), *args, str(target)]
    subprocess.run(command, check=True)
    return target
