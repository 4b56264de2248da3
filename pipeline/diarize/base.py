"""What every diarization backend offers: the Protocol the flow depends on, and its progress hook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..types import Audio, Diarization, SpeakerHints

StepHook = Callable[[str, int, int], None]  # (step name, completed, total)


class Diarizer(Protocol):
    name: str

    def diarize(self, audio: Audio, hints: SpeakerHints | None = None, hook: StepHook | None = None) -> Diarization: ...
