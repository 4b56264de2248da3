from __future__ import annotations

from typing import TextIO

from ..types import Transcript
from .base import Writer
from .timefmt import clock


class TxtWriter(Writer):
    """With speakers: `[00:01:23] SPEAKER_01: text` (or the speaker's name), one turn a line.
    Without: one segment a line."""

    extension = "txt"

    def write(self, transcript: Transcript, stream: TextIO) -> None:
        for utt in transcript.utterances:
            if utt.speaker is None:
                print(utt.text, file=stream)
            else:
                print(f"[{clock(utt.start, millis=False)}] {transcript.label(utt.speaker)}: {utt.text}", file=stream)
