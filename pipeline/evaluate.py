"""Scoring against a reference with the standard tools: jiwer (WER) and pyannote.metrics (DER).

Both sides of WER go through Whisper's English text normaliser (the `whisper-normalizer` package),
so casing, punctuation, contractions and number spelling do not count as errors.
DER: pyannote.metrics, overlapped speech scored, `collar` is the total width removed around each
reference boundary (0.5 = 0.25 s each side, as md-eval's 0.25).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import InputError
from .types import SpeakerTurn


@dataclass(frozen=True)
class WerResult:
    wer: float
    substitutions: int
    deletions: int
    insertions: int
    reference_words: int


@dataclass(frozen=True)
class DerResult:
    der: float
    collar: float
    missed: float  # seconds of reference speech not found
    false_alarm: float  # seconds of hypothesis speech where the reference has none
    confusion: float  # seconds given to the wrong speaker
    total: float  # seconds of reference speech scored


@lru_cache(maxsize=1)
def _normalizer():
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()


def normalize(text: str) -> str:
    return " ".join(_normalizer()(text).split())


def word_error_rate(reference: str, hypothesis: str) -> WerResult:
    import jiwer

    ref, hyp = normalize(reference), normalize(hypothesis)
    if not ref:
        raise InputError("reference has no words after normalisation; check the reference file")
    out = jiwer.process_words(ref, hyp if hyp else "")
    n = out.hits + out.substitutions + out.deletions
    return WerResult(out.wer, out.substitutions, out.deletions, out.insertions, n)


def _annotation(turns: Iterable[SpeakerTurn]):
    from pyannote.core import Annotation, Segment

    annotation = Annotation()
    for i, turn in enumerate(turns):
        annotation[Segment(turn.start, turn.end), i] = turn.speaker
    return annotation


def diarization_error_rate(reference: Sequence[SpeakerTurn], hypothesis: Sequence[SpeakerTurn], collar: float = 0.0) -> DerResult:
    from pyannote.metrics.diarization import DiarizationErrorRate

    metric = DiarizationErrorRate(collar=collar, skip_overlap=False)
    parts = metric(_annotation(reference), _annotation(hypothesis), detailed=True)
    return DerResult(
        der=parts["diarization error rate"],
        collar=collar,
        missed=parts["missed detection"],
        false_alarm=parts["false alarm"],
        confusion=parts["confusion"],
        total=parts["total"],
    )


def read_rttm(path: str | Path, uri: str | None = None) -> list[SpeakerTurn]:
    """SPEAKER lines of an RTTM file (optionally only those of one recording `uri`)."""
    turns = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0] != "SPEAKER":
            continue
        if len(fields) < 8:
            raise InputError(f"{path}:{number}: not an RTTM SPEAKER line (needs 8+ fields)")
        if uri is None or fields[1] == uri:
            start, duration = float(fields[3]), float(fields[4])
            turns.append(SpeakerTurn(start, start + duration, fields[7]))
    return turns
