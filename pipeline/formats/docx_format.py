"""Word document (python-docx): a header with the file, date and duration, then one paragraph per
speaker turn: the time, the speaker's name in bold, the words. What journalists and researchers open."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import TextIO

from ..types import Transcript
from .base import Writer
from .timefmt import clock


class DocxWriter(Writer):
    extension = "docx"

    def write(self, transcript: Transcript, stream: TextIO) -> None:
        raise TypeError("a .docx is binary: use render()")

    def render(self, transcript: Transcript) -> bytes:
        from docx import Document  # imported here: only this format needs it
        from docx.shared import Pt

        doc = Document()
        doc.core_properties.title = Path(transcript.source).name
        doc.add_heading(Path(transcript.source).name, level=1)
        doc.add_paragraph(f"Date: {date.today().isoformat()} · Duration: {clock(transcript.duration, millis=False)}")
        for utt in transcript.utterances:
            para = doc.add_paragraph()
            stamp = para.add_run(f"[{clock(utt.start, millis=False)}] ")
            stamp.font.size = Pt(9)
            if utt.speaker is not None:
                para.add_run(f"{transcript.label(utt.speaker)}: ").bold = True
            para.add_run(utt.text)
        buffer = io.BytesIO()
        doc.save(buffer)
        return buffer.getvalue()
