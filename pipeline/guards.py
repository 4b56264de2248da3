"""Guards against Whisper's known failure modes: text invented on non-speech, and repetition loops.

Pure functions over ASR segments (each has a unit test):
- `is_non_speech(...)`: Whisper's own rule (no-speech probability high and decoding unsure), plus
  segments that hold only music/noise markers such as "♪" or "[Music]".
- `is_repetitive(compression_ratio)`: Whisper's rule for a looping decode (used where a stretch is
  decoded a second time: there a loop is dropped whole).
- `collapse_loops(words)`: a 1-4-word phrase repeated back to back more than MAX_REPEATS times is a
  decoding loop; the extra copies are dropped ("no, no, no" stays).
- `drop_repeated_segments(...)`: a segment whose text repeats the two before it is dropped, so at most
  two copies in a row stay ("Yes." "Yes." is speech; a third copy is a loop).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .types import Segment, Word

NO_SPEECH_PROB = 0.6  # Whisper's defaults for its "silence" rule
LOGPROB_FLOOR = -1.0
COMPRESSION_CEILING = 2.4  # Whisper's: text that gzip shrinks more than this is a repetition loop
MAX_REPEATS = 3
_MARKERS = re.compile(
    r"^[\s♪♫♬🎵🎶*#.,!?\-–—]*$|^\s*[\[(](music|applause|laughter|noise|silence|inaudible|blank_audio)[\])]\s*$", re.I
)


def is_non_speech(text: str, no_speech_prob: float, avg_logprob: float) -> bool:
    if no_speech_prob > NO_SPEECH_PROB and avg_logprob < LOGPROB_FLOOR:
        return True
    return bool(_MARKERS.match(text))


def is_repetitive(compression_ratio: float) -> bool:
    return compression_ratio > COMPRESSION_CEILING


def _key(word: Word) -> str:
    return re.sub(r"[^\w']", "", word.text.lower())


def collapse_loops(words: Sequence[Word]) -> list[Word]:
    out: list[Word] = list(words)
    for n in (1, 2, 3, 4):
        out = _collapse(out, n)
    return out


def _collapse(words: list[Word], n: int) -> list[Word]:
    keys = [_key(w) for w in words]
    keep: list[Word] = []
    i = 0
    while i < len(words):
        gram = keys[i : i + n]
        repeats = 1
        while keys[i + repeats * n : i + (repeats + 1) * n] == gram and len(gram) == n:
            repeats += 1
        if repeats > MAX_REPEATS and any(gram):
            keep.extend(words[i : i + n * MAX_REPEATS])
            i += n * repeats
        else:
            keep.append(words[i])
            i += 1
    return keep


def drop_repeated_segments(segments: Sequence[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for seg in segments:
        norm = seg.text.strip().lower()
        if len(out) >= 2 and norm and all(s.text.strip().lower() == norm for s in out[-2:]):
            continue
        out.append(seg)
    return out


def clean_segment(seg: Segment) -> Segment | None:
    """Loop-free copy of a segment, or None when nothing is left."""
    words = collapse_loops(seg.words)
    if not words:
        return None
    if len(words) == len(seg.words):
        return seg
    return Segment(words[0].start, words[-1].end, "".join(w.text for w in words).strip(), tuple(words))
