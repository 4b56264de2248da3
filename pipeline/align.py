"""Give every word a speaker and merge words into speaker utterances. Pure functions, no models.

Rules (each has a unit test):
1. A word takes the speaker whose exclusive (one-at-a-time) turns overlap it most; a word in a gap
   takes the nearest turn. With no turns at all, words keep `speaker=None`.
2. Sentence rule: inside one sentence (words up to . ? ! or …), a run of words whose speaker differs
   from the sentence's main speaker (most seconds) is relabelled to it when the run is short
   (≤ MAX_FLIP_WORDS words and ≤ MAX_FLIP_SECONDS long). That removes flips caused by timing
   jitter at turn edges; a longer run is a real interruption and is kept.
3. Consecutive words of one speaker form an utterance; with no speakers, each ASR segment is one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from .types import SENTENCE_END, Diarization, Segment, SpeakerTurn, Utterance, Word

MAX_FLIP_WORDS = 2
MAX_FLIP_SECONDS = 0.8


def align(segments: Sequence[Segment], diarization: Diarization | None) -> tuple[Utterance, ...]:
    """The whole aligner: label words, smooth within sentences, merge into utterances."""
    if diarization is None:
        return tuple(_segment_utterance(seg) for seg in segments if seg.words)
    words = [w for seg in segments for w in seg.words]
    labelled = assign_speakers(words, diarization.exclusive)
    return merge_turns(smooth_sentences(labelled))


def assign_speakers(words: Sequence[Word], turns: Sequence[SpeakerTurn]) -> list[Word]:
    if not turns:
        return list(words)
    ordered = sorted(turns, key=lambda t: t.start)
    return [replace(w, speaker=_best_speaker(w, ordered)) for w in words]


def _best_speaker(word: Word, turns: Sequence[SpeakerTurn]) -> str:
    overlap: dict[str, float] = defaultdict(float)
    for turn in turns:
        if turn.start >= word.end:
            break
        shared = min(word.end, turn.end) - max(word.start, turn.start)
        if shared > 0:
            overlap[turn.speaker] += shared
    if overlap:
        return max(overlap, key=lambda s: overlap[s])
    return min(turns, key=lambda t: _distance(word, t)).speaker


def _distance(word: Word, turn: SpeakerTurn) -> float:
    """Seconds between a word and a turn (0 when they touch)."""
    return max(turn.start - word.end, word.start - turn.end, 0.0)


def split_sentences(words: Sequence[Word]) -> list[list[Word]]:
    sentences: list[list[Word]] = [[]]
    for word in words:
        sentences[-1].append(word)
        if word.text.strip().endswith(SENTENCE_END):
            sentences.append([])
    return [s for s in sentences if s]


def smooth_sentences(words: Sequence[Word]) -> list[Word]:
    return [w for sentence in split_sentences(words) for w in _smooth(sentence)]


def _smooth(sentence: list[Word]) -> list[Word]:
    seconds: dict[str | None, float] = defaultdict(float)
    for word in sentence:
        seconds[word.speaker] += word.end - word.start
    main = max(seconds, key=lambda s: seconds[s])
    out: list[Word] = []
    for run in _runs(sentence):
        short = len(run) <= MAX_FLIP_WORDS and run[-1].end - run[0].start <= MAX_FLIP_SECONDS
        out.extend([replace(w, speaker=main) for w in run] if short else run)
    return out


def _runs(words: Sequence[Word]) -> list[list[Word]]:
    """Maximal runs of consecutive words with the same speaker."""
    runs: list[list[Word]] = []
    for word in words:
        if runs and runs[-1][-1].speaker == word.speaker:
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def merge_turns(words: Sequence[Word]) -> tuple[Utterance, ...]:
    return tuple(_utterance(run, run[0].speaker) for run in _runs(words))


def _utterance(words: Sequence[Word], speaker: str | None) -> Utterance:
    text = "".join(w.text for w in words).strip()
    return Utterance(start=words[0].start, end=words[-1].end, text=text, words=tuple(words), speaker=speaker)


def _segment_utterance(seg: Segment) -> Utterance:
    return _utterance(seg.words, None)
