"""Speaker diarization behind a small Protocol. The real backend is pyannote.audio."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..config import DiarizationOptions
from ..types import Audio, Diarization, SpeakerHints

StepHook = Callable[[str, int, int], None]  # (step name, completed, total)


class Diarizer(Protocol):
    name: str

    def diarize(self, audio: Audio, hints: SpeakerHints | None = None, hook: StepHook | None = None) -> Diarization: ...


def make_diarizer(options: DiarizationOptions, device: str = "cpu") -> Diarizer:
    from .pyannote_backend import PyannoteDiarizer

    return PyannoteDiarizer(options, device=device)
