"""Writers against golden files (regenerate with UPDATE_GOLDEN=1 after a deliberate format change)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline.errors import OutputError
from pipeline.formats import WRITERS, render_all, write_files
from pipeline.formats.timefmt import clock

from .conftest import make_transcript

GOLDEN = Path(__file__).parent / "golden"


def write_all(transcript, writers, stem, overwrite=False):
    return write_files(render_all(transcript, writers, stem), overwrite=overwrite)


# The review page and the Word file are checked by behaviour (test_review_page.py, test_docx.py):
# a golden copy of the page would only repeat its script.
TEXT_FORMATS = sorted(f for f in WRITERS if f not in ("html", "docx"))


@pytest.mark.parametrize("speakers", [True, False], ids=["speakers", "plain"])
@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_writer_matches_golden(fmt: str, speakers: bool) -> None:
    transcript = make_transcript(with_speakers=speakers)
    writer = WRITERS[fmt]()
    if not writer.applies(transcript):
        assert fmt == "rttm" and not speakers
        return
    text = writer.render(transcript)
    golden = GOLDEN / f"{'speakers' if speakers else 'plain'}.{fmt}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_clock() -> None:
    assert clock(3661.5) == "01:01:01.500"
    assert clock(12.3456, ",") == "00:00:12,346"
    assert clock(59.9996, millis=False) == "00:01:00"


def test_json_keeps_every_word_with_speaker_and_probability(transcript) -> None:
    data = json.loads(WRITERS["json"]().render(transcript))
    assert data["schema_version"] == 1 and data["language"] == "en"
    words = [x for u in data["utterances"] for x in u["words"]]
    assert len(words) == len(transcript.words)
    assert all({"start", "end", "text", "probability", "speaker"} <= set(x) for x in words)
    assert data["speakers"] == ["SPEAKER_00", "SPEAKER_01"]


def test_srt_cues_are_short_and_ordered(transcript) -> None:
    blocks = WRITERS["srt"]().render(transcript).strip().split("\n\n")
    for block in blocks:
        lines = block.split("\n")
        assert 2 <= len(lines) - 1 <= 3  # timing + at most two text lines
        assert all(len(line) <= 42 + len("[SPEAKER_00] ") for line in lines[2:])


def test_write_all_is_atomic_and_refuses_to_overwrite(tmp_path, transcript) -> None:
    stem = tmp_path / "ep"
    writers = [WRITERS[f]() for f in ("txt", "json")]
    written = write_all(transcript, writers, stem)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ep.json", "ep.txt"]
    before = (tmp_path / "ep.txt").read_text()
    with pytest.raises(OutputError, match="ep.txt: already exists; pass --overwrite"):
        write_all(transcript, writers, stem)
    assert (tmp_path / "ep.txt").read_text() == before
    assert write_all(transcript, writers, stem, overwrite=True) == written


def test_failure_while_rendering_leaves_no_file(tmp_path, transcript) -> None:
    class Broken(WRITERS["txt"]):
        extension = "srt"

        def write(self, transcript, stream):
            stream.write("half")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_all(transcript, [WRITERS["txt"](), Broken()], tmp_path / "ep")
    assert list(tmp_path.iterdir()) == []


def test_disk_full_gives_output_error_and_no_file(tmp_path, transcript, monkeypatch) -> None:
    import pipeline.formats.base as base

    def full(text, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(base, "_write_temp", full)
    with pytest.raises(OutputError, match="No space left on device"):
        write_all(transcript, [WRITERS["txt"]()], tmp_path / "ep")
    assert list(tmp_path.iterdir()) == []
