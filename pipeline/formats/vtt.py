"""WebVTT: the same cues as SRT, the speaker as a voice span `<v SPEAKER>`."""

from __future__ import annotations

from typing import TextIO

from ..types import Transcript
from .base import Writer
from .cues import cues
from .timefmt import clock


class VttWriter(Writer):
    extension = "vtt"

    def write(self, transcript: Transcript, stream: TextIO) -> None:
        print("WEBVTT\n", file=stream)
        for cue in cues(transcript):
            lines = [_escape(line) for line in cue.lines]
            if cue.speaker:
                lines[0] = f"<v {cue.speaker}>{lines[0]}"
            print(f"{clock(cue.start)} --> {clock(cue.end)}", file=stream)
            print("\n".join(lines), end="\n\n", file=stream)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
