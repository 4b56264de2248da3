"""Speaker diarization behind a small Protocol. The real backend is pyannote.audio."""

from __future__ import annotations

from ..config import DiarizationOptions
from .base import Diarizer, StepHook


def make_diarizer(options: DiarizationOptions, device: str = "auto") -> Diarizer:
    from .pyannote_backend import PyannoteDiarizer  # heavy: torch and pyannote load only here

    return PyannoteDiarizer(options, device=device)


__all__ = ["Diarizer", "StepHook", "make_diarizer"]
