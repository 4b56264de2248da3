"""SubRip: numbered cues, `[SPEAKER] ` before the first line."""

from __future__ import annotations

from typing import TextIO

from ..types import Transcript
from .base import Writer
from .cues import cues
from .timefmt import clock


class SrtWriter(Writer):
    extension = "srt"

    def write(self, transcript: Transcript, stream: TextIO) -> None:
        for index, cue in enumerate(cues(transcript), start=1):
            lines = list(cue.lines)
            if cue.speaker:
                lines[0] = f"[{cue.speaker}] {lines[0]}"
            print(index, file=stream)
            print(f"{clock(cue.start, ',')} --> {clock(cue.end, ',')}", file=stream)
            print("\n".join(lines), end="\n\n", file=stream)
