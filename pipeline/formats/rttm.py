from __future__ import annotations

from pathlib import Path
from typing import TextIO

from ..types import Transcript
from .base import Writer


class RttmWriter(Writer):
    """NIST RTTM of the diarization as found: overlapping speech stays; a named speaker is its name."""

    extension = "rttm"

    def applies(self, transcript: Transcript) -> bool:
        return transcript.diarization is not None

    def write(self, transcript: Transcript, stream: TextIO) -> None:
        assert transcript.diarization is not None
        uri = Path(transcript.source).stem.replace(" ", "_") or "audio"
        for turn in transcript.diarization.turns:
            duration = turn.end - turn.start
            who = transcript.label(turn.speaker).replace(" ", "_")  # RTTM fields are space-separated
            print(f"SPEAKER {uri} 1 {turn.start:.3f} {duration:.3f} <NA> <NA> {who} <NA> <NA>", file=stream)
