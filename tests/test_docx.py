"""The Word document, read back with python-docx."""

from __future__ import annotations

import io
from datetime import date

from docx import Document

from pipeline.formats import WRITERS, render_all, write_files

from .conftest import make_transcript


def test_docx_has_a_header_and_bold_speakers_with_times(tmp_path) -> None:
    transcript = make_transcript()
    [path] = write_files(render_all(transcript, [WRITERS["docx"]()], tmp_path / "my episode"))
    assert path.name == "my episode.docx"
    doc = Document(str(path))
    paragraphs = [p for p in doc.paragraphs if p.text]
    assert paragraphs[0].text == "my episode.mp3"
    assert paragraphs[1].text == f"Date: {date.today().isoformat()} · Duration: 01:01:03"
    turns = paragraphs[2:]
    assert [p.text for p in turns] == [
        f"[{stamp}] {u.speaker}: {u.text}"
        for stamp, u in zip(("00:00:00", "00:00:05", "01:01:01"), transcript.utterances, strict=True)
    ]
    for p in turns:
        bold = [r.text for r in p.runs if r.bold]
        assert len(bold) == 1 and bold[0].startswith("SPEAKER_0")
    assert "<everyone>" in turns[0].text  # text, not markup


def test_docx_without_speakers_has_no_names() -> None:
    data = WRITERS["docx"]().render(make_transcript(with_speakers=False))
    doc = Document(io.BytesIO(data))
    turns = [p for p in doc.paragraphs if p.text.startswith("[")]
    assert len(turns) == 3 and not any(r.bold for p in turns for r in p.runs)
