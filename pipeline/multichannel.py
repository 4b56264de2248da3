"""A split recording: each channel transcribed on its own, its words its talker's, then merged in time.

Each channel first loses the stretches where another channel is much louder (the other side's
crosstalk, channels.own_speech), so speech recognition never writes the other talker's words
twice and the diarizer hears one side only. A channel is one speaker unless its diarization finds
a second voice holding a real share of its speech (a conference line, two people at one handset):
`one_voice`. The channels' sentences are then interleaved by start time; speech that overlaps
across channels is kept, both talkers' words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .align import align, merge_turns, split_sentences
from .channels import gated, own_speech, spans
from .diarize.postprocess import exclusive_view, speech_seconds
from .types import AsrResult, Audio, Diarization, Segment, SpeakerTurn, Utterance, Word

# A channel's second voice is kept when it holds at least this share of the channel's speech and
# this many seconds; below that, a diarizer's split of one talker (it happens on long calls) is noise.
SECOND_VOICE_SHARE = 0.2
SECOND_VOICE_SECONDS = 5.0
OWN_WORD_SHARE = 0.5  # a word is the channel's when at least this share of it lies in its own speech
PAUSE_SECONDS = 0.5  # a channel's words further apart than this are separate units when interleaving


@dataclass(frozen=True)
class ChannelResult:
    """One channel's speech recognition and (when speakers are on) its diarization."""

    index: int
    asr: AsrResult
    diarization: Diarization | None


@dataclass(frozen=True)
class Merged:
    segments: tuple[Segment, ...]
    utterances: tuple[Utterance, ...]
    diarization: Diarization | None
    speaker_channels: dict[str, int]  # final speaker id -> the channel it was heard on


def channel_audios(audio: Audio) -> list[tuple[Audio, list[tuple[float, float]]]]:
    """Each channel of `audio` as mono Audio with the other channels' crosstalk silenced, and the
    spans (seconds) that are its own speech without the hangover."""
    assert audio.channels is not None
    strict, padded = own_speech(audio.channels, audio.sample_rate)
    return [
        (Audio(gated(channel, padded[i], audio.sample_rate), audio.source, audio.sample_rate), spans(strict[i]))
        for i, channel in enumerate(audio.channels)
    ]


def transcribe_channels(
    audio: Audio, stages: Callable[[Audio, int], tuple[AsrResult, Diarization | None]]
) -> list[ChannelResult]:
    """`stages(channel audio, index)` -> (ASR, diarization) for every channel that has any sound
    left; each diarization cut back to the channel's own speech."""
    results = []
    for index, (channel, own) in enumerate(channel_audios(audio)):
        if not np.any(channel.samples):
            continue  # all crosstalk or silence: nothing of its own to transcribe
        asr, diarization = stages(channel, index)
        results.append(ChannelResult(index, own_words(asr, own), within(diarization, own) if diarization else None))
    return results


def own_words(asr: AsrResult, own: Sequence[tuple[float, float]]) -> AsrResult:
    """`asr` without the words that lie mostly outside the channel's own speech (crosstalk that
    speech recognition heard in the hangover around it)."""

    def share(word: Word) -> float:
        inside = sum(max(0.0, min(hi, word.end) - max(lo, word.start)) for lo, hi in own)
        return inside / max(word.end - word.start, 1e-3)

    segments = []
    for segment in asr.segments:
        words = tuple(w for w in segment.words if share(w) >= OWN_WORD_SHARE)
        if words or not segment.words:
            text = "".join(w.text for w in words).strip() if segment.words else segment.text
            segments.append(replace(segment, words=words, text=text))
    return replace(asr, segments=tuple(segments))


def within(diarization: Diarization, own: Sequence[tuple[float, float]]) -> Diarization:
    """`diarization` with its turns cut to the `own` spans (the rest is the hangover around them)."""

    def cut(turns: Sequence[SpeakerTurn]) -> tuple[SpeakerTurn, ...]:
        pieces = []
        for turn in turns:
            for lo, hi in own:
                start, end = max(lo, turn.start), min(hi, turn.end)
                if end - start > 1e-3:
                    pieces.append(SpeakerTurn(start, end, turn.speaker))
        return tuple(pieces)

    return Diarization(cut(diarization.turns), cut(diarization.exclusive), diarization.voices)


def one_voice(diarization: Diarization) -> Diarization:
    """The channel's diarization with its minor speakers folded into its main one: a speaker is
    kept only when it holds SECOND_VOICE_SHARE and SECOND_VOICE_SECONDS of the channel's speech."""
    seconds = speech_seconds(diarization.exclusive)  # a speaker only ever overlapped holds none
    if not seconds:
        return diarization
    main = max(seconds, key=lambda s: seconds[s])
    total = sum(seconds.values())
    kept = {s for s, v in seconds.items() if v >= SECOND_VOICE_SECONDS and v >= SECOND_VOICE_SHARE * total}
    kept.add(main)
    if kept >= set(diarization.speakers):
        return diarization

    def fold(turns: Sequence[SpeakerTurn]) -> tuple[SpeakerTurn, ...]:
        return _union([t if t.speaker in kept else replace(t, speaker=main) for t in turns])

    voices = tuple((s, v) for s, v in diarization.voices if s in kept)
    mixed = frozenset(s for s in diarization.mixed if s in kept)
    return Diarization(fold(diarization.turns), exclusive_view(fold(diarization.exclusive)), voices, mixed)


def merge(results: Sequence[ChannelResult]) -> Merged:
    """All channels' words in time order, each channel's speakers kept apart, ids SPEAKER_00... by
    first appearance."""
    pieces: list[list[Word]] = []  # one talker's run of words within a sentence
    turns: list[SpeakerTurn] = []
    voices: list[tuple[str, tuple[float, ...]]] = []
    mixed: set[str] = set()
    for result in results:
        diarization = _channel_diarization(result)
        utterances = align(result.asr.segments, diarization)
        pieces += [run for utt in utterances for run in _runs(split_sentences(utt.words))]
        if diarization is not None:
            turns += diarization.turns
            voices += diarization.voices
            mixed |= diarization.mixed
    pieces.sort(key=lambda run: (run[0].start, run[0].end))
    names = _final_names([run[0].speaker for run in pieces] + [t.speaker for t in sorted(turns, key=lambda t: t.start)])
    words = [replace(w, speaker=names.get(w.speaker) if w.speaker else None) for run in pieces for w in run]
    segments = tuple(sorted((s for r in results for s in r.asr.segments), key=lambda s: (s.start, s.end)))
    found = None
    if any(r.diarization is not None for r in results):
        final = tuple(sorted((replace(t, speaker=names[t.speaker]) for t in turns), key=lambda t: (t.start, t.end)))
        voiced = tuple((names[s], v) for s, v in voices if s in names)
        found = Diarization(final, exclusive_view(final), voiced, frozenset(names[s] for s in mixed if s in names))
    utterances = merge_turns(words) if found is not None else tuple(_plain(pieces))
    return Merged(segments, utterances, found, {new: int(old.split(":")[0][2:]) for old, new in names.items()})


def _tagged(diarization: Diarization, index: int) -> Diarization:
    """Speaker ids that say their channel: ch0:SPEAKER_00."""

    def tag(turns: Sequence[SpeakerTurn]) -> tuple[SpeakerTurn, ...]:
        return tuple(replace(t, speaker=f"ch{index}:{t.speaker}") for t in turns)

    voices = tuple((f"ch{index}:{s}", v) for s, v in diarization.voices)
    mixed = frozenset(f"ch{index}:{s}" for s in diarization.mixed)
    return Diarization(tag(diarization.turns), tag(diarization.exclusive), voices, mixed)


def _union(turns: Sequence[SpeakerTurn]) -> tuple[SpeakerTurn, ...]:
    """Overlapping or touching turns of one speaker joined into one."""
    out: list[SpeakerTurn] = []
    for turn in sorted(turns, key=lambda t: (t.speaker, t.start)):
        if out and out[-1].speaker == turn.speaker and turn.start <= out[-1].end:
            out[-1] = replace(out[-1], end=max(out[-1].end, turn.end))
        else:
            out.append(turn)
    return tuple(sorted(out, key=lambda t: (t.start, t.end)))


def _runs(sentences: list[list[Word]]) -> list[list[Word]]:
    """Each sentence cut where its speaker changes or its words pause: the units interleaved
    across channels (a channel's sentence may run on over the other side's turn)."""
    runs: list[list[Word]] = []
    for sentence in sentences:
        start = len(runs)
        for word in sentence:
            joined = len(runs) > start and word.start - runs[-1][-1].end <= PAUSE_SECONDS
            if joined and runs[-1][-1].speaker == word.speaker:
                runs[-1].append(word)
            else:
                runs.append([word])
    return runs


def _channel_diarization(result: ChannelResult) -> Diarization | None:
    """The channel's speakers tagged with its index; a channel where the diarizer found no turn
    (speech recognition heard words the segmentation did not) is one speaker over its words."""
    if result.diarization is None:
        return None
    found = result.diarization
    if not found.turns:
        spans = tuple(SpeakerTurn(s.start, s.end, "SPEAKER_00") for s in result.asr.segments if s.words)
        found = Diarization(spans, exclusive_view(spans))
    return _tagged(one_voice(found), result.index)


def _final_names(labels: Sequence[str | None]) -> dict[str, str]:
    names: dict[str, str] = {}
    for label in labels:
        if label is not None and label not in names:
            names[label] = f"SPEAKER_{len(names):02d}"
    return names


def _plain(pieces: Sequence[list[Word]]) -> list[Utterance]:
    """Without speakers: each sentence piece is its own line, in time order."""
    return [
        Utterance(run[0].start, run[-1].end, "".join(w.text for w in run).strip(), tuple(run), None) for run in pieces
    ]
