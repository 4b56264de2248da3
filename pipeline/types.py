"""Frozen records passed between stages. Times are float seconds from the start of the audio."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

SAMPLE_RATE = 16_000
SENTENCE_END = (".", "?", "!", "…")  # a word or line ending with one of these closes a sentence


@dataclass(frozen=True, eq=False)
class Audio:
    """Decoded audio: 16 kHz mono float32 in [-1, 1]. Decoded once, shared by every stage."""

    samples: np.ndarray  # shape (n,), float32: the channels downmixed
    source: str  # path it came from, for messages and provenance
    sample_rate: int = SAMPLE_RATE
    # (channels, n) float32, kept only when asked for (--channels auto/split) and the file has
    # more than one; None otherwise. The same decode as `samples`.
    channels: np.ndarray | None = None

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str  # as the model wrote it, leading space included
    probability: float = 1.0
    speaker: str | None = None


@dataclass(frozen=True)
class Segment:
    """One ASR segment (roughly a sentence or a 30-s window piece) with its words."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: str


@dataclass(frozen=True)
class Diarization:
    """Speaker turns as found (may overlap) and the one-speaker-at-a-time view used for words."""

    turns: tuple[SpeakerTurn, ...]
    exclusive: tuple[SpeakerTurn, ...]
    voices: tuple[tuple[str, tuple[float, ...]], ...] = ()  # (speaker, its mean voice embedding), if known
    # speakers whose speech sounds like two voices (diarize/mixed.py): they keep their turns, never a
    # name from the talk or a known voice
    mixed: frozenset[str] = frozenset()

    @property
    def speakers(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for turn in sorted(self.turns, key=lambda t: t.start):
            seen.setdefault(turn.speaker, None)
        return tuple(seen)


@dataclass(frozen=True)
class Utterance:
    """Consecutive words of one speaker: a line of the transcript."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...]
    speaker: str | None = None


@dataclass(frozen=True)
class Evidence:
    """Where a speaker's name came from: the words that said it, when, and the rule that read them
    (self: "I'm X"; handover: "our next question is from X"; vocative: "thanks, X")."""

    text: str
    start: float
    end: float
    rule: str = ""


@dataclass(frozen=True)
class SpeakerName:
    """A name for one diarized speaker. `how`: voice (a known voice), introduced / addressed
    (said in the talk), cast (the cast list's host), given (set by hand)."""

    speaker: str
    name: str
    how: str
    confidence: float
    evidence: tuple[Evidence, ...] = ()
    aliases: tuple[str, ...] = ()  # other names the talk called this speaker ("Leni" for "Lingling Wei")


@dataclass(frozen=True)
class Unnamed:
    """A speaker left without a name because it seems to hold two voices, and why ("asks and
    answers in one turn at 12.3 s"), with the words that showed it."""

    speaker: str
    why: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class AsrResult:
    segments: tuple[Segment, ...]
    language: str
    language_probability: float


@dataclass(frozen=True)
class Transcript:
    """Everything the writers need, and where it came from."""

    source: str
    duration: float
    language: str
    language_probability: float
    utterances: tuple[Utterance, ...]
    segments: tuple[Segment, ...] = ()
    diarization: Diarization | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    names: tuple[SpeakerName, ...] = ()

    def label(self, speaker: str) -> str:
        """What the writers show for a speaker id: its name when it has one."""
        return next((n.name for n in self.names if n.speaker == speaker), speaker)

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for u in self.utterances for w in u.words)

    @property
    def text(self) -> str:
        return " ".join(u.text for u in self.utterances).strip()

    def speaker_texts(self) -> dict[str, str]:
        """All words of each speaker, in order (what cpWER compares)."""
        texts: dict[str, str] = {}
        for utt in self.utterances:
            if utt.speaker is not None:
                texts[utt.speaker] = f"{texts.get(utt.speaker, '')} {utt.text}".strip()
        return texts


@dataclass(frozen=True)
class SpeakerHints:
    """Speaker-count hints for one file (None: let the clustering decide)."""

    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
