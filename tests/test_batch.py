"""Batch: inputs expansion, manifests, per-file isolation, skip/resume, summary (fake models)."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

import pipeline.cli as cli
from pipeline.batch import Job, expand_inputs, read_manifest
from pipeline.errors import ConfigError
from pipeline.engine import Engine

from .conftest import DATA, FakeDiarizer, FakeTranscriber


@pytest.fixture
def fake(monkeypatch):
    asr = FakeTranscriber()
    asr.loads = 0

    def factory(options):
        asr.loads += 1
        return Engine(options, transcriber=asr, diarizer=FakeDiarizer())

    monkeypatch.setattr(cli, "_engine_factory", factory)
    return asr


@pytest.fixture
def archive(tmp_path):
    root = tmp_path / "episodes"
    (root / "2024").mkdir(parents=True)
    shutil.copy(DATA / "jfk.flac", root / "a.flac")
    shutil.copy(DATA / "jfk.flac", root / "2024" / "b.flac")
    (root / "notes.txt").write_text("not media")
    (root / "empty.mp3").write_bytes(b"")
    (root / "text.mp3").write_text("this is text, not audio\n" * 20)
    return root


def test_expand_folder_recursively_by_extension(archive) -> None:
    jobs = expand_inputs([archive])
    assert [str(j.relative) for j in jobs] == ["2024/b.flac", "a.flac", "empty.mp3", "text.mp3"]


def test_expand_glob_and_plain_files(archive) -> None:
    jobs = expand_inputs([str(archive / "**" / "*.flac"), str(archive / "missing.mp3")])
    assert sorted(j.source.name for j in jobs) == ["a.flac", "b.flac", "missing.mp3"]


def test_manifests(tmp_path) -> None:
    (tmp_path / "list.txt").write_text("# episodes\na.mp3\n\nsub/b.mp3\n")
    assert [j.source for j in read_manifest(tmp_path / "list.txt")] == [tmp_path / "a.mp3", tmp_path / "sub/b.mp3"]
    (tmp_path / "m.csv").write_text("path,reference,num_speakers,language\na.mp3,a.txt;a.rttm,2,en\nb.mp3,,,\n")
    a, b = read_manifest(tmp_path / "m.csv")
    assert a == Job(tmp_path / "a.mp3", references=(tmp_path / "a.txt", tmp_path / "a.rttm"), num_speakers=2, language="en")
    assert b == Job(tmp_path / "b.mp3")
    (tmp_path / "m.jsonl").write_text('{"path": "a.mp3", "reference": ["r.json"], "max_speakers": 3}\n')
    assert read_manifest(tmp_path / "m.jsonl")[0].max_speakers == 3


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.csv", "path,speakers\na.mp3,2\n", "unknown column(s) speakers"),
        ("bad2.csv", "path,num_speakers\na.mp3,zero\n", "bad2.csv:2: num_speakers must be a whole number"),
        ("bad.jsonl", "{oops\n", "bad.jsonl:1: not valid JSON"),
        ("bad3.csv", "path,num_speakers\na.mp3,0\n", "num_speakers must be 1 or more"),
    ],
)
def test_bad_manifests_name_file_and_line(tmp_path, name, content, message) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_manifest(tmp_path / name)


def test_batch_isolates_failures_writes_summary_and_resumes(fake, archive, tmp_path) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(cli.app, [str(archive), "-o", str(out)])
    assert first.exit_code == 1, first.output
    assert (out / "a.txt").exists() and (out / "2024" / "b.txt").exists(), "sub-folders are mirrored"
    assert "empty.mp3: failed: " in first.output and "text.mp3: failed: " in first.output
    data = json.loads((out / "transcribe-summary.json").read_text())
    assert data["counts"] == {"done": 2, "skipped": 0, "failed": 2}
    failed = {f["source"].rsplit("/", 1)[-1]: f["error"] for f in data["files"] if f["status"] == "failed"}
    assert "file is empty" in failed["empty.mp3"] and "not a media file" in failed["text.mp3"]
    assert all(f["rtf"] is not None for f in data["files"] if f["status"] == "done")
    calls, loads = len(fake.calls), fake.loads
    second = runner.invoke(cli.app, [str(archive), "-o", str(out)])
    assert second.exit_code == 1 and len(fake.calls) == calls, "finished files are not redone"
    assert fake.loads == loads, "no model is loaded when every input is finished or broken"
    assert json.loads((out / "transcribe-summary.json").read_text())["counts"] == {"done": 0, "skipped": 2, "failed": 2}


def test_changed_input_needs_overwrite(fake, archive, tmp_path) -> None:
    out = tmp_path / "out"
    CliRunner().invoke(cli.app, [str(archive / "a.flac"), "-o", str(out)])
    import os
    import time

    later = time.time() + 10
    os.utime(archive / "a.flac", (later, later))
    calls = len(fake.calls)
    result = CliRunner().invoke(cli.app, [str(archive / "a.flac"), "-o", str(out)])
    assert result.exit_code == 1 and "older than the input; pass --overwrite" in result.output
    assert len(fake.calls) == calls, "refused before any model work"
    assert CliRunner().invoke(cli.app, [str(archive / "a.flac"), "-o", str(out), "--overwrite"]).exit_code == 0


def test_same_output_names_are_refused_before_work(fake, tmp_path) -> None:
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
        shutil.copy(DATA / "jfk.flac", tmp_path / sub / "ep.flac")
    result = CliRunner().invoke(cli.app, [str(tmp_path / "x" / "ep.flac"), str(tmp_path / "y" / "ep.flac"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "would both write" in result.output and fake.calls == []


def test_manifest_with_per_file_reference_puts_metrics_in_summary(fake, tmp_path) -> None:
    shutil.copy(DATA / "jfk.flac", tmp_path / "jfk.flac")
    (tmp_path / "ref.txt").write_text("hello from the fake model")
    (tmp_path / "m.csv").write_text("path,reference,num_speakers\njfk.flac,ref.txt,1\n")
    result = CliRunner().invoke(cli.app, ["--manifest", str(tmp_path / "m.csv"), "-o", str(tmp_path / "o"), "--summary", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    entry = json.loads((tmp_path / "s.json").read_text())["files"][0]
    assert entry["metrics"]["wer"]["wer"] == 0.0
    assert (tmp_path / "o" / "jfk.report.html").exists()


def test_a_manifest_cast_reaches_hotwords_and_names(tmp_path) -> None:
    from pipeline import config

    shutil.copy(DATA / "jfk.flac", tmp_path / "a.flac")
    shutil.copy(DATA / "jfk.flac", tmp_path / "b.flac")
    (tmp_path / "show.cast").write_text("Ann Lee (host)\nBob Day\n")
    (tmp_path / "m.csv").write_text('path,cast\na.flac,"Cy Wu, Di Ho"\nb.flac,show.cast\n')
    a, b = read_manifest(tmp_path / "m.csv")
    assert (a.cast, b.cast) == ("Cy Wu, Di Ho", str(tmp_path / "show.cast"))  # a file is found beside the manifest
    fake = FakeTranscriber()
    engine = Engine(config.load(asr={"hotwords": "CHIPS"}), transcriber=fake, diarizer=FakeDiarizer())
    from pipeline.audio import load_audio

    transcript = engine.speaker_transcript(load_audio(tmp_path / "b.flac"), cast=b.cast)
    assert fake.hotwords == ["CHIPS Ann Lee Bob Day"]
    assert transcript.names == ()  # one turn: no voice that opens and closes for the host rule
    engine.speaker_transcript(load_audio(tmp_path / "a.flac"))
    assert fake.hotwords[-1] is None  # no cast for this file: the options' hotwords stay as they are
    (tmp_path / "bad.csv").write_text("path,cast\na.flac,missing.cast\n")
    with pytest.raises(ConfigError, match=r"bad.csv:2: missing.cast: cast file not found"):
        read_manifest(tmp_path / "bad.csv")
