"""Diarization post-processing, backend-independent: the exclusive view, artefact speakers, labels."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from ..types import Diarization, SpeakerTurn


def exclusive_view(turns: Sequence[SpeakerTurn]) -> tuple[SpeakerTurn, ...]:
    """One speaker at a time: where turns overlap, the speaker who started later holds the floor."""
    points = sorted({t.start for t in turns} | {t.end for t in turns})
    pieces: list[SpeakerTurn] = []
    for lo, hi in zip(points, points[1:], strict=False):
        active = [t for t in turns if t.start < hi and t.end > lo]
        if not active:
            continue
        speaker = max(active, key=lambda t: (t.start, t.speaker)).speaker
        if pieces and pieces[-1].speaker == speaker and abs(pieces[-1].end - lo) < 1e-9:
            pieces[-1] = replace(pieces[-1], end=hi)
        else:
            pieces.append(SpeakerTurn(lo, hi, speaker))
    return tuple(pieces)


def relabel(diarization: Diarization) -> Diarization:
    """Rename speakers SPEAKER_00, SPEAKER_01... in order of first appearance."""
    names = {old: f"SPEAKER_{i:02d}" for i, old in enumerate(diarization.speakers)}

    def rename(turns: Sequence[SpeakerTurn]) -> tuple[SpeakerTurn, ...]:
        return tuple(replace(t, speaker=names[t.speaker]) for t in sorted(turns, key=lambda t: (t.start, t.end)))

    voices = tuple((names[s], v) for s, v in diarization.voices if s in names)
    mixed = frozenset(names[s] for s in diarization.mixed if s in names)
    return Diarization(rename(diarization.turns), rename(diarization.exclusive), voices, mixed)


def speech_seconds(turns: Sequence[SpeakerTurn]) -> dict[str, float]:
    """Seconds of speech per speaker (pass exclusive turns, so overlap is not counted twice)."""
    total: dict[str, float] = defaultdict(float)
    for turn in turns:
        total[turn.speaker] += turn.end - turn.start
    return dict(total)


def drop_minor_speakers(diarization: Diarization, min_seconds: float) -> Diarization:
    """Remove speakers with less than `min_seconds` of speech in the whole file.

    Such "speakers" are almost always segmentation artefacts (a breath, a noise at a turn edge);
    their words then go to the nearest remaining turn (rule 1). Never removes the only speaker.
    """
    total = speech_seconds(diarization.exclusive)
    minor = {s for s, seconds in total.items() if seconds < min_seconds}
    if not minor or minor >= set(total):
        return diarization

    def keep(turns: Sequence[SpeakerTurn]) -> tuple[SpeakerTurn, ...]:
        return tuple(t for t in turns if t.speaker not in minor)

    voices = tuple((s, v) for s, v in diarization.voices if s not in minor)
    return Diarization(keep(diarization.turns), keep(diarization.exclusive), voices, diarization.mixed - minor)
