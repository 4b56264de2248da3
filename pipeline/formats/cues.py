"""Split utterances into subtitle cues that players show comfortably."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..types import SENTENCE_END, Transcript, Word

MAX_LINE = 42  # characters per subtitle line (common broadcast guideline)
MAX_LINES = 2
MAX_SECONDS = 7.0
MAX_PAUSE = 1.0  # a longer silence between words starts a new cue


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]
    speaker: str | None


def cues(transcript: Transcript) -> Iterator[Cue]:
    for utt in transcript.utterances:
        for group in _groups(utt.words):
            text = "".join(w.text for w in group).strip()
            lines = tuple(textwrap.wrap(text, MAX_LINE)) or ("",)
            speaker = transcript.label(utt.speaker) if utt.speaker else None
            yield Cue(group[0].start, max(group[-1].end, group[0].start + 0.01), lines, speaker)


def _groups(words: Sequence[Word]) -> Iterator[list[Word]]:
    group: list[Word] = []
    for word in words:
        if group and _must_break(group, word):
            yield group
            group = []
        group.append(word)
    if group:
        yield group


def _must_break(group: list[Word], nxt: Word) -> bool:
    text = "".join(w.text for w in group).strip()
    too_long = len(text) + len(nxt.text) > MAX_LINE * MAX_LINES - 4
    too_slow = nxt.end - group[0].start > MAX_SECONDS
    paused = nxt.start - group[-1].end > MAX_PAUSE
    sentence_done = text.endswith(SENTENCE_END) and len(text) > MAX_LINE
    return too_long or too_slow or paused or sentence_done
