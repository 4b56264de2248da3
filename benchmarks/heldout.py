"""Real recordings in voice-disjoint folds, for choosing the speaker clustering by held-out evaluation.

Every recording here is real speech with a speaker reference; no voice is in two folds, so a rule
picked on some folds is judged on voices it never heard:
  A  AMI clips trn01-trn05 and calls assembled from their voices' solo stretches
  B  AMI clips trn06-trn09 (FEE083 speaks in two of them) and calls assembled from their voices
  C  a real two-person sales call (../shared/real-speakers/gecko-sales-call), cut into 3-minute calls
  D  the rest: real TV news (saivt-bnews), pyannote.audio's AMI sample, JFK and LibriSpeech (one voice
     each), and calls assembled from the news voices, JFK and LibriSpeech
Kinds (what a user's recording looks like): meeting, call (two people), broadcast, solo (one voice).
Each comes clean and as the dev set's degraded copies (telephone band, 32 kbit/s MP3, 10 dB noise).
Assembled calls alternate one voice's solo pieces (2-5 s, cut where nobody else talks) with the
other's, 0.3-0.8 s apart: the turns are exact; the voices come from different recordings, as the two
ends of a phone line do. The sales call's reference comes from corrected word times: score it with a collar.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.devset import AMI, PAUSE, VARIANTS, _pyannote_sample, degrade, solo_pieces, write_wav
from pipeline.audio import load_audio
from pipeline.references import read_rttm
from pipeline.types import SAMPLE_RATE, SpeakerTurn

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REAL_SPEAKERS = SHARED / "real-speakers"
SALES = REAL_SPEAKERS / "gecko-sales-call"
BNEWS = REAL_SPEAKERS / "saivt-bnews-3055877"
FOLDS = ("A", "B", "C", "D")
KINDS = ("meeting", "call", "broadcast", "solo")
CALL_SECONDS = 180.0  # the sales call is cut into calls this long (the call: 3 min)
TAIL = 3  # pieces one voice may go on alone after the other's run out
# voice -> (source recording, speaker label); "ami:trn03" is an AMI clip
Voice = tuple[str, str]
# fold -> assembled two-voice calls
CALLS: dict[str, tuple[tuple[Voice, Voice], ...]] = {
    "A": (
        (("ami:trn03", "MÉO069"), ("ami:trn05", "FEE078")),
        (("ami:trn03", "MÉO069"), ("ami:trn04", "MEE075")),
        (("ami:trn05", "FEE078"), ("ami:trn04", "MEE075")),
    ),
    "B": (
        (("ami:trn06", "FEE083"), ("ami:trn07", "FEE087")),
        (("ami:trn09", "FEE083"), ("ami:trn08", "FEE088")),
    ),
    "D": (
        (("bnews", "ron_wilson"), ("jfk", "jfk")),
        (("libri", "libri"), ("bnews", "ron_wilson")),
        (("jfk", "jfk"), ("libri", "libri")),
    ),
}


@dataclass(frozen=True)
class Recording:
    name: str  # e.g. "C/sales-2+tel"
    path: Path
    reference: tuple[SpeakerTurn, ...]
    kind: str
    fold: str
    real: bool = True

    @property
    def speakers(self) -> int:
        return len({t.speaker for t in self.reference})


def recordings(cache: Path, variants: tuple[str, ...] = VARIANTS) -> list[Recording]:
    """Every source in every variant (copies made once into `cache`)."""
    cache.mkdir(parents=True, exist_ok=True)
    out = []
    for name, path, reference, kind, fold in sources(cache):
        for variant in variants:
            copy = path if variant == "clean" else degrade(path, variant, cache / f"{name.replace('/', '_')}+{variant}")
            label = name if variant == "clean" else f"{name}+{variant}"
            out.append(Recording(label, copy, tuple(reference), kind, fold))
    return out


def sources(cache: Path) -> list[tuple[str, Path, list[SpeakerTurn], str, str]]:
    out = []
    for flac in sorted(AMI.glob("trn*.flac")):
        fold = "A" if flac.stem <= "trn05" else "B"
        out.append((f"{fold}/ami-{flac.stem}", flac, read_rttm(AMI / "reference.rttm", uri=flac.stem), "meeting", fold))
    out += _sales_calls(cache)
    out.append(("D/bnews", BNEWS / "3055877.flac", read_rttm(BNEWS / "3055877.rttm"), "broadcast", "D"))
    sample = _pyannote_sample()
    if sample is not None:
        out.append(("D/pyannote-sample", sample, read_rttm(sample.with_suffix(".rttm")), "meeting", "D"))
    for voice in ("jfk", "libri"):
        path, turns = _single(voice)
        out.append((f"D/{voice}", path, turns, "solo", "D"))
    for fold, calls in CALLS.items():
        for index, (one, two) in enumerate(calls, start=1):
            target = cache / f"call_{fold}{index}.wav"
            samples, turns = assembled_call(one, two)
            if not target.exists():
                write_wav(target, samples)
            out.append((f"{fold}/call-{index}", target, turns, "call", fold))
    return out


def _sales_calls(cache: Path) -> list[tuple[str, Path, list[SpeakerTurn], str, str]]:
    audio = load_audio(SALES / "demo.mp3").samples
    reference = read_rttm(SALES / "demo.rttm")
    out = []
    count = int(len(audio) / SAMPLE_RATE // CALL_SECONDS)
    for index in range(count):
        lo, hi = index * CALL_SECONDS, (index + 1) * CALL_SECONDS
        if index == count - 1:
            hi = len(audio) / SAMPLE_RATE  # the last call takes the remainder
        target = cache / f"sales_{index + 1}.wav"
        if not target.exists():
            write_wav(target, audio[int(lo * SAMPLE_RATE) : int(hi * SAMPLE_RATE)])
        turns = [
            SpeakerTurn(round(max(t.start, lo) - lo, 3), round(min(t.end, hi) - lo, 3), t.speaker)
            for t in reference
            if t.end > lo and t.start < hi
        ]
        out.append((f"C/sales-{index + 1}", target, turns, "call", "C"))
    return out


def _single(voice: str) -> tuple[Path, list[SpeakerTurn]]:
    """A one-voice recording whose reference is one turn over its speech (first to last loud frame)."""
    path = SHARED / "audio" / ("jfk.flac" if voice == "jfk" else "librispeech-2412-153948-0000.flac")
    samples = load_audio(path).samples
    loud = np.nonzero(np.abs(samples) > 0.02)[0]
    return path, [SpeakerTurn(round(loud[0] / SAMPLE_RATE, 3), round(loud[-1] / SAMPLE_RATE, 3), voice)]


def voice_pieces(voice: Voice) -> list[np.ndarray]:
    """The voice's stretches with nobody else talking, cut into 2-5 s pieces."""
    source, speaker = voice
    if source.startswith("ami:"):
        clip = source.removeprefix("ami:")
        path, reference = AMI / f"{clip}.flac", read_rttm(AMI / "reference.rttm", uri=clip)
    elif source == "bnews":
        path, reference = BNEWS / "3055877.flac", read_rttm(BNEWS / "3055877.rttm")
    elif source == "sales":
        path, reference = SALES / "demo.mp3", read_rttm(SALES / "demo.rttm")
    else:
        path, reference = _single(source)
    return solo_pieces(load_audio(path).samples, list(reference), speaker, seed=len(source) + len(speaker))


def assembled_call(one: Voice, two: Voice) -> tuple[np.ndarray, list[SpeakerTurn]]:
    """The two voices taking turns; once one runs out of pieces the other says at most TAIL more (a
    call, not a monologue). Labels are the speaker, not the recording."""
    rng = np.random.default_rng(len(one[1]) * 7 + len(two[1]))
    queues = [voice_pieces(one), voice_pieces(two)]
    chunks: list[np.ndarray] = [np.zeros(int(0.5 * SAMPLE_RATE), dtype=np.float32)]
    turns: list[SpeakerTurn] = []
    cursor, side, alone = 0.5, 0, 0
    while queues[side] and alone <= TAIL:
        piece = queues[side].pop(0)
        turns.append(SpeakerTurn(round(cursor, 3), round(cursor + len(piece) / SAMPLE_RATE, 3), (one, two)[side][1]))
        pause = np.zeros(int(rng.uniform(*PAUSE) * SAMPLE_RATE), dtype=np.float32)
        chunks += [piece, pause]
        cursor += (len(piece) + len(pause)) / SAMPLE_RATE
        alone += not queues[1 - side]
        side = 1 - side if queues[1 - side] else side
    return np.concatenate(chunks), turns
