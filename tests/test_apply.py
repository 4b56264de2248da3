"""Reviewer edits: the pure replay (pipeline.edits) and the transcribe-apply command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.apply_cli import app
from pipeline.cli import score_app
from pipeline.edits import EditsError, already_applied, apply, check_fits, fingerprint, parse
from pipeline.formats import WRITERS
from pipeline.formats.json_format import read_transcript

from .conftest import make_transcript


def edits_file(t, *edits, **overrides):
    data = {
        "format": "podscribe-edits",
        "version": 1,
        "transcript": {"source": "my episode.mp3", "fingerprint": fingerprint(t)},
        "edits": list(edits),
    }
    data.update(overrides)
    return data


def applied(*edits):
    t = make_transcript()
    e = parse(edits_file(t, *edits))
    check_fits(e, t)
    return apply(e, t)


def test_rename_names_every_turn_and_keeps_the_words() -> None:
    out = applied({"kind": "rename", "speaker": "SPEAKER_00", "name": " Ann "})
    assert [out.label(u.speaker) for u in out.utterances] == ["Ann", "SPEAKER_01", "Ann"]
    assert out.text == make_transcript().text
    assert out.names[0].how == "given"


def test_reassign_moves_words_splits_turns_and_carves_the_speaker_turns() -> None:
    base = make_transcript()
    out = applied({"kind": "reassign", "words": [10, 14], "speaker": "SPEAKER_00"})  # "Thank you. It is"
    assert [u.speaker for u in out.utterances] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"]
    assert out.utterances[0].text.endswith("today. Thank you. It is")
    moved = base.words[10].start, base.words[13].end
    assert out.diarization is not None
    for turn in out.diarization.exclusive:
        inside = turn.start < moved[1] and turn.end > moved[0]
        assert not inside or turn.speaker == "SPEAKER_00"
    assert any(t.speaker == "SPEAKER_01" and t.start == pytest.approx(moved[1]) for t in out.diarization.turns)


def test_merge_then_rename_follows_the_merge() -> None:
    out = applied(
        {"kind": "merge", "speaker": "SPEAKER_01", "into": "SPEAKER_00"},
        {"kind": "rename", "speaker": "SPEAKER_01", "name": "Host"},
    )
    assert [u.speaker for u in out.utterances] == ["SPEAKER_00"]  # one run of words, as the aligner makes it
    assert out.label("SPEAKER_00") == "Host"
    assert out.diarization is not None and out.diarization.speakers == ("SPEAKER_00",)


def test_correct_keeps_the_leading_space_and_empty_text_deletes() -> None:
    out = applied({"kind": "correct", "word": 1, "text": "into"}, {"kind": "correct", "word": 2, "text": ""})
    assert out.utterances[0].text.startswith("Welcome into show,")
    assert len(out.words) == len(make_transcript().words) - 1


def test_provenance_records_the_edits_and_a_second_apply_is_recognised() -> None:
    t = make_transcript()
    e = parse(edits_file(t, {"kind": "rename", "speaker": "SPEAKER_00", "name": "Ann"}))
    out = apply(e, t)
    review = out.provenance["review"][-1]
    assert (
        review["base"] == fingerprint(t) and review["result"] == fingerprint(out) and review["edits"] == list(e.edits)
    )
    assert already_applied(e, out) and not already_applied(e, t)
    with pytest.raises(EditsError, match="another transcript"):
        check_fits(e, out)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"version": 2}, "version 2 is not supported"),
        ({"format": "other"}, "not a podscribe edits file"),
        ({"extra": 1}, "unknown field 'extra'"),
        ({"edits": {}}, "'edits' must be a list"),
        ({"edits": [{"kind": "delete", "word": 1}]}, "'kind' must be one of"),
        ({"edits": [{"kind": "rename", "speaker": "SPEAKER_00", "name": "A", "x": 1}]}, "fields must be exactly"),
        ({"edits": [{"kind": "rename", "speaker": "SPEAKER_00", "name": "  "}]}, "new name is empty"),
        ({"edits": [{"kind": "rename", "speaker": "SPEAKER_00", "name": "x" * 201}]}, "at most 200"),
        ({"edits": [{"kind": "reassign", "words": [5, 5], "speaker": "SPEAKER_00"}]}, r"\[first, last \+ 1\]"),
        ({"edits": [{"kind": "correct", "word": True, "text": "a"}]}, "word index"),
    ],
)
def test_malformed_edits_are_refused(change, message) -> None:
    with pytest.raises(EditsError, match=message):
        parse(edits_file(make_transcript(), **change))


@pytest.mark.parametrize(
    "edit, message",
    [
        ({"kind": "rename", "speaker": "SPEAKER_09", "name": "A"}, "unknown speaker 'SPEAKER_09'"),
        ({"kind": "reassign", "words": [0, 30], "speaker": "SPEAKER_00"}, "word index 29 is out of range"),
        ({"kind": "correct", "word": 29, "text": "a"}, "out of range"),
        ({"kind": "merge", "speaker": "SPEAKER_00", "into": "SPEAKER_00"}, "into itself"),
    ],
)
def test_edits_that_do_not_fit_the_transcript_are_refused(edit, message) -> None:
    t = make_transcript()
    with pytest.raises(EditsError, match=message):
        check_fits(parse(edits_file(t, edit)), t)


@pytest.fixture
def saved(tmp_path) -> Path:
    path = tmp_path / "my episode.json"
    path.write_text(WRITERS["json"]().render(make_transcript()), encoding="utf-8")
    return path


def run_apply(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_apply_writes_every_format_then_changes_nothing(saved, tmp_path) -> None:
    edits = tmp_path / "my episode.edits.json"
    edits.write_text(
        json.dumps(
            edits_file(
                make_transcript(),
                {"kind": "rename", "speaker": "SPEAKER_01", "name": "Bo"},
                {"kind": "correct", "word": 1, "text": "into"},
            )
        )
    )
    result = run_apply(saved, edits)
    assert result.exit_code == 0, result.output
    stem = tmp_path / "my episode"
    for ext in ("txt", "json", "srt", "vtt", "rttm", "html"):
        assert (tmp_path / f"my episode.{ext}").is_file(), ext
    assert (
        "] Bo: Thank you." in Path(f"{stem}.txt").read_text() and "Welcome into the" in Path(f"{stem}.srt").read_text()
    )
    assert " Bo <NA> <NA>" in Path(f"{stem}.rttm").read_text()
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()}
    again = run_apply(saved, edits)
    assert again.exit_code == 0, again.output
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir()} == before
    assert read_transcript(saved).provenance["review"][-1]["edits"][0]["name"] == "Bo"


def test_misfit_edits_exit_2_with_one_line_and_write_nothing(saved, tmp_path) -> None:
    cases = {
        "range.edits.json": json.dumps(edits_file(make_transcript(), {"kind": "correct", "word": 99, "text": "a"})),
        "other.edits.json": json.dumps(
            edits_file(make_transcript(), transcript={"source": "b.mp3", "fingerprint": "x"})
        ),
        "broken.edits.json": "{not json",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    before = sorted(p.name for p in tmp_path.iterdir())
    for name in [*cases, "missing.edits.json"]:
        result = run_apply(saved, tmp_path / name)
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and name in lines[0], result.output
    assert "these edits are for b.mp3" in run_apply(saved, tmp_path / "other.edits.json").output
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert run_apply(saved, tmp_path / "range.edits.json", "-f", "txt,pdf").exit_code == 2


def test_a_corrected_transcript_scores(saved, tmp_path) -> None:
    reference = tmp_path / "ref.txt"
    reference.write_text(make_transcript().text.replace("Welcome to", "Welcome into"))
    edits = tmp_path / "e.edits.json"
    edits.write_text(json.dumps(edits_file(make_transcript(), {"kind": "correct", "word": 1, "text": "into"})))
    out = tmp_path / "out"
    assert run_apply(saved, edits, "-o", out, "-f", "json").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["my episode.json"]
    result = CliRunner().invoke(
        score_app, [str(out / "my episode.json"), "-r", str(reference), "--json", str(tmp_path / "m.json")]
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "m.json").read_text())["wer"]["wer"] == 0.0
