"""Shared fixtures: paths to real audio, a hand-made transcript, and fake backends for wiring tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.types import AsrResult, Audio, Diarization, Segment, SpeakerTurn, Transcript, Utterance, Word

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SAMPLES = ROOT / "samples"


def _words(start: float, text: str, speaker: str | None, step: float = 0.4) -> tuple[Word, ...]:
    return tuple(Word(start + i * step, start + (i + 1) * step - 0.05, " " + t, 0.9, speaker) for i, t in enumerate(text.split()))


def make_transcript(with_speakers: bool = True) -> Transcript:
    a = "A" if with_speakers else None
    b = "B" if with_speakers else None
    w1 = _words(0.5, "Welcome to the show, & thanks <everyone> for listening today.", "SPEAKER_00" if a else None)
    w2 = _words(5.0, "Thank you. It is great to be here and to talk about chips and power.", "SPEAKER_01" if b else None)
    w3 = _words(3661.0, "Back after an hour.", "SPEAKER_00" if a else None)
    utts = tuple(
        Utterance(ws[0].start, ws[-1].end, "".join(x.text for x in ws).strip(), ws, ws[0].speaker) for ws in (w1, w2, w3)
    )
    segments = tuple(Segment(u.start, u.end, u.text, u.words) for u in utts)
    diar = None
    if with_speakers:
        spk = (SpeakerTurn(0.4, 4.3, "SPEAKER_00"), SpeakerTurn(4.0, 10.6, "SPEAKER_01"), SpeakerTurn(3660.9, 3662.7, "SPEAKER_00"))
        excl = (SpeakerTurn(0.4, 4.0, "SPEAKER_00"), SpeakerTurn(4.0, 10.6, "SPEAKER_01"), SpeakerTurn(3660.9, 3662.7, "SPEAKER_00"))
        diar = Diarization(spk, excl)
    return Transcript(
        source="shows/my episode.mp3", duration=3663.0, language="en", language_probability=0.98,
        utterances=utts, segments=segments, diarization=diar, provenance={"tool": {"name": "podscribe"}},
    )


@pytest.fixture
def transcript() -> Transcript:
    return make_transcript()


class FakeTranscriber:
    """Returns one fixed segment per call; records what it was given."""

    name = "fake-asr"
    device = "cpu"
    compute_type = "int8"

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.hotwords: list[str | None] = []

    def transcribe(self, audio: Audio, language=None, progress=None, hotwords=None) -> AsrResult:
        self.calls.append(audio.source)
        self.hotwords.append(hotwords)
        words = _words(0.0, "hello from the fake model.", None, step=0.2)
        return AsrResult((Segment(0.0, 1.0, "hello from the fake model.", words),), "en", 0.99)


class FakeDiarizer:
    name = "fake-diarizer"

    def diarize(self, audio: Audio, hints=None, hook=None) -> Diarization:
        turn = (SpeakerTurn(0.0, audio.duration, "SPEAKER_00"),)
        return Diarization(turn, turn)


@pytest.fixture(autouse=True, scope="session")
def _offline():
    """Tests never touch the network: hub clients fail fast instead of trying."""
    import os

    mp = pytest.MonkeyPatch()
    mp.setenv("HF_HUB_OFFLINE", "1")
    mp.setenv("PYANNOTE_METRICS_ENABLED", "0")
    yield
    mp.undo()
