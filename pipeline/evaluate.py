"""Scoring against a reference with the standard tools: jiwer (WER) and pyannote.metrics (DER).

Both sides of WER go through Whisper's English text normaliser (the `whisper-normalizer` package),
so casing, punctuation, contractions and number spelling do not count as errors.
DER: pyannote.metrics, overlapped speech scored, `collar` is the total width removed around each
reference boundary (0.5 = 0.25 s each side, as md-eval's 0.25).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from .errors import InputError
from .references import Reference
from .types import SpeakerTurn, Transcript

COLLARS = (0.0, 0.5)
UNIT_WORDS = 20  # reference words per unit of the per-unit WER counts (the gate's bootstrap resamples units)


@dataclass(frozen=True)
class WerResult:
    wer: float
    substitutions: int
    deletions: int
    insertions: int
    reference_words: int
    # (errors, reference words) per run of UNIT_WORDS reference words, an insertion counted in the unit of
    # the reference word before it: the same units in any two runs on one reference, for paired statistics
    units: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class CpWerResult:
    cpwer: float
    errors: int
    reference_words: int
    missed_speakers: int  # reference speakers with no hypothesis speaker matched
    falarm_speakers: int  # hypothesis speakers with no reference speaker matched
    assignment: tuple[tuple[str | None, str | None], ...]  # (reference, hypothesis) speaker pairs


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
    units = unit_errors(out.alignments[0], n)
    return WerResult(out.wer, out.substitutions, out.deletions, out.insertions, n, units)


def unit_errors(chunks: Sequence[Any], reference_words: int, size: int = UNIT_WORDS) -> tuple[tuple[int, int], ...]:
    """Per-unit (errors, words) from jiwer's alignment chunks; they add up to the whole file's counts."""
    count = max(1, -(-reference_words // size))
    errors = [0] * count
    for chunk in chunks:
        if chunk.type == "equal":
            continue
        if chunk.type == "insert":  # no reference words: the unit of the word before (the first unit at the start)
            errors[max(0, min(chunk.ref_start_idx - 1, reference_words - 1)) // size] += (
                chunk.hyp_end_idx - chunk.hyp_start_idx
            )
            continue
        for index in range(chunk.ref_start_idx, chunk.ref_end_idx):
            errors[index // size] += 1
    words = [min(size, reference_words - i * size) for i in range(count)]
    return tuple(zip(errors, words, strict=True))


def _annotation(turns: Iterable[SpeakerTurn]):
    from pyannote.core import Annotation, Segment

    annotation = Annotation()
    for i, turn in enumerate(turns):
        annotation[Segment(turn.start, turn.end), i] = turn.speaker
    return annotation


def _extent(*sides: Sequence[SpeakerTurn]):
    """The scored region: from the first to the last turn of either side (what pyannote would guess, said)."""
    from pyannote.core import Segment, Timeline

    turns = [t for side in sides for t in side]
    if not turns:
        return Timeline()
    return Timeline([Segment(min(t.start for t in turns), max(t.end for t in turns))])


def diarization_error_rate(
    reference: Sequence[SpeakerTurn], hypothesis: Sequence[SpeakerTurn], collar: float = 0.0
) -> DerResult:
    from pyannote.metrics.diarization import DiarizationErrorRate

    metric = DiarizationErrorRate(collar=collar, skip_overlap=False)
    parts = metric(_annotation(reference), _annotation(hypothesis), uem=_extent(reference, hypothesis), detailed=True)
    return DerResult(
        der=parts["diarization error rate"],
        collar=collar,
        missed=parts["missed detection"],
        false_alarm=parts["false alarm"],
        confusion=parts["confusion"],
        total=parts["total"],
    )


def cp_word_error_rate(reference: dict[str, str], hypothesis: dict[str, str]) -> CpWerResult:
    """Concatenated minimum-permutation WER (meeteval): each speaker's words against the best-matched speaker's."""
    from meeteval.wer import cp_word_error_rate as meeteval_cpwer

    ref = {s: normalize(t) for s, t in reference.items()}
    hyp = {s: normalize(t) for s, t in hypothesis.items()} or {"_": ""}
    out = meeteval_cpwer(ref, hyp, reference_sort=False, hypothesis_sort=False)  # one text per speaker
    return CpWerResult(
        out.error_rate, out.errors, out.length, out.missed_speaker, out.falarm_speaker, tuple(out.assignment)
    )


@dataclass(frozen=True)
class NamedResult:
    """Speaker names against a reference whose speakers are names, with no permutation: a word or a
    second counts only when its speaker carries the reference speaker's name."""

    speech: float  # share of named reference speakers' speech under the right name
    words: float  # share of words (by time) inside their turns under the right name
    correct: int  # found speakers named as the reference speaker they mostly are
    wrong: int  # found speakers given another name (or any name, where the reference speaker is no person)
    unnamed: int  # found speakers left unnamed whose reference speaker has a name


@dataclass(frozen=True)
class Scores:
    reference: str
    hypothesis: str
    wer: WerResult | None
    cpwer: CpWerResult | None
    der: tuple[DerResult, ...]
    speakers_found: int | None
    speakers_reference: int | None
    names: NamedResult | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["der_convention"] = (
            "pyannote.metrics; overlapped speech scored; collar = total width around reference boundaries"
        )
        return data


def score(transcript: Transcript, reference: Reference) -> Scores:
    """Every metric the reference allows: WER (text), cpWER (text per speaker), DER (speaker times)."""
    wer = word_error_rate(reference.text, transcript.text) if reference.text is not None else None
    hyp_speakers = transcript.speaker_texts()
    cpwer = None
    if reference.speaker_texts and hyp_speakers:
        cpwer = cp_word_error_rate(reference.speaker_texts, hyp_speakers)
    der: tuple[DerResult, ...] = ()
    if reference.turns and transcript.diarization is not None:
        der = tuple(diarization_error_rate(reference.turns, transcript.diarization.turns, c) for c in COLLARS)
    return Scores(
        reference=reference.source,
        hypothesis=transcript.source,
        wer=wer,
        cpwer=cpwer,
        der=der,
        speakers_found=len(transcript.diarization.speakers) if transcript.diarization else None,
        speakers_reference=len({t.speaker for t in reference.turns}) if reference.turns else None,
        names=named_accuracy(reference.turns, transcript, reference.aliases) if reference.turns else None,
    )


def is_person(label: str) -> bool:
    """A reference label that is a person's name ("LINGLING", "Ann Lee"), not an id ("FEE083", "AD_1")."""
    return re.fullmatch(r"[A-Za-z][A-Za-z .'-]*[A-Za-z]", label) is not None


def named_accuracy(
    reference: Sequence[SpeakerTurn], transcript: Transcript, aliases: Mapping[str, Sequence[str]] | None = None
) -> NamedResult | None:
    """None unless the reference names people and the transcript has speakers. A name is right when
    it is the reference label's person or one of the names `aliases` lists for them ("Leni")."""
    from .names import same_person

    if transcript.diarization is None or not any(is_person(t.speaker) for t in reference):
        return None
    named = {n.speaker: n.name for n in transcript.names}

    def is_them(name: str, ref: str) -> bool:
        return any(same_person(name, form) for form in (ref, *(aliases or {}).get(ref, ())))

    def right(hyp: str, ref: str) -> bool:
        return hyp in named and is_them(named[hyp], ref)

    people = [t for t in reference if is_person(t.speaker)]
    hyp = transcript.diarization.exclusive
    total = sum(t.end - t.start for t in people)
    good = sum(_overlap(r, h) for r in people for h in hyp if right(h.speaker, r.speaker))
    timed = [(w, r) for w in transcript.words if w.speaker for r in people if r.start <= (w.start + w.end) / 2 < r.end]
    words = sum(right(w.speaker or "", r.speaker) for w, r in timed) / max(1, len(timed))
    counts = {"correct": 0, "wrong": 0, "unnamed": 0}
    for speaker, ref in main_reference_speaker(hyp, reference).items():
        if speaker in named:
            counts["correct" if is_person(ref) and is_them(named[speaker], ref) else "wrong"] += 1
        elif is_person(ref):
            counts["unnamed"] += 1
    return NamedResult(round(good / max(total, 1e-9), 4), round(words, 4), **counts)


def _overlap(a: SpeakerTurn, b: SpeakerTurn) -> float:
    return max(0.0, min(a.end, b.end) - max(a.start, b.start))


def main_reference_speaker(hyp: Sequence[SpeakerTurn], reference: Sequence[SpeakerTurn]) -> dict[str, str]:
    """Each hypothesis speaker -> the reference speaker it overlaps most."""
    seconds: dict[str, dict[str, float]] = {}
    for h in hyp:
        for r in reference:
            if (o := _overlap(h, r)) > 0:
                seconds.setdefault(h.speaker, {}).setdefault(r.speaker, 0.0)
                seconds[h.speaker][r.speaker] += o
    return {s: max(v, key=lambda k: v[k]) for s, v in seconds.items()}


def metric_rows(scores: Scores) -> list[tuple[str, str, str]]:
    """(metric, value, detail) rows shared by the terminal table and the HTML report."""
    rows = []
    if scores.wer:
        w = scores.wer
        rows.append(
            ("WER", f"{w.wer:.2%}", f"S={w.substitutions} D={w.deletions} I={w.insertions} N={w.reference_words}")
        )
    if scores.cpwer:
        c = scores.cpwer
        rows.append(
            (
                "cpWER",
                f"{c.cpwer:.2%}",
                f"errors={c.errors} N={c.reference_words} missed/extra "
                f"speakers={c.missed_speakers}/{c.falarm_speakers}",
            )
        )
    for d in scores.der:
        rows.append(
            (
                f"DER collar {d.collar:g}",
                f"{d.der:.2%}",
                f"miss={d.missed:.1f}s FA={d.false_alarm:.1f}s conf={d.confusion:.1f}s of {d.total:.1f}s",
            )
        )
    if scores.speakers_found is not None:
        rows.append(("speakers", f"{scores.speakers_found}", f"reference: {scores.speakers_reference}"))
    if scores.names is not None:
        n = scores.names
        detail = f"speakers named right/wrong/unnamed={n.correct}/{n.wrong}/{n.unnamed}"
        rows.append(("named speech", f"{n.speech:.2%}", detail))
        rows.append(("named words", f"{n.words:.2%}", "words under their reference speaker's name"))
    return rows


def table(scores: Scores) -> str:
    """A short terminal table."""
    rows = [("metric", "value", "detail"), *metric_rows(scores)]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows)


def scores_from_dict(data: dict[str, Any]) -> Scores:
    """Inverse of Scores.to_dict (for printing saved metrics)."""
    return Scores(
        reference=data["reference"],
        hypothesis=data["hypothesis"],
        wer=WerResult(**{**data["wer"], "units": tuple(map(tuple, data["wer"].get("units", ())))})
        if data.get("wer")
        else None,
        cpwer=CpWerResult(**{**data["cpwer"], "assignment": tuple(map(tuple, data["cpwer"]["assignment"]))})
        if data.get("cpwer")
        else None,
        der=tuple(DerResult(**d) for d in data.get("der", ())),
        speakers_found=data.get("speakers_found"),
        speakers_reference=data.get("speakers_reference"),
        names=NamedResult(**data["names"]) if data.get("names") else None,
    )
