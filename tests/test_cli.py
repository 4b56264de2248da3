"""CLI wiring with fake models (real ffmpeg decoding, real writers)."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

import pipeline.cli as cli
from pipeline.run import Engine

from .conftest import DATA, FakeDiarizer, FakeTranscriber

runner = CliRunner()


@pytest.fixture
def fake(monkeypatch):
    asr = FakeTranscriber()

    def factory(options):
        return Engine(options, transcriber=asr, diarizer=FakeDiarizer() if options.diarization.enabled else None)

    monkeypatch.setattr(cli, "_engine_factory", factory)
    return asr


@pytest.fixture
def episode(tmp_path):
    path = tmp_path / "my episode.flac"
    shutil.copy(DATA / "jfk.flac", path)
    return path


def invoke(*args: str):
    return runner.invoke(cli.app, [str(a) for a in args])


def test_writes_every_format_beside_the_input(fake, episode) -> None:
    result = invoke(episode)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in episode.parent.iterdir())
    assert names == sorted(["my episode.flac"] + [f"my episode.{f}" for f in ("txt", "json", "srt", "vtt", "rttm")])
    assert "SPEAKER_00: hello from the fake model." in (episode.parent / "my episode.txt").read_text()


def test_second_run_skips_then_overwrite_redoes(fake, episode, tmp_path) -> None:
    out = tmp_path / "out"
    assert invoke(episode, "-o", out).exit_code == 0
    result = invoke(episode, "-o", out)
    assert result.exit_code == 0 and "skipped" in result.output and len(fake.calls) == 1
    assert invoke(episode, "-o", out, "--overwrite").exit_code == 0 and len(fake.calls) == 2


def test_output_format_and_no_diarize(fake, episode, tmp_path) -> None:
    result = invoke(episode, "-o", tmp_path / "o", "-f", "txt,json", "--no-diarize")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["my episode.json", "my episode.txt"]
    assert (tmp_path / "o" / "my episode.txt").read_text() == "hello from the fake model.\n"


def test_one_bad_file_fails_alone_with_exit_1(fake, episode, tmp_path) -> None:
    missing = tmp_path / "nope.mp3"
    result = invoke(missing, episode, "-o", tmp_path / "o")
    assert result.exit_code == 1
    assert f"{missing}: file not found" in result.output
    assert (tmp_path / "o" / "my episode.txt").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--num-speakers", "0"], "num-speakers must be 1 or more"),
        (["--min-speakers", "3", "--max-speakers", "2"], "min-speakers (3) is greater than max-speakers (2)"),
        (["-f", "docx"], "unknown output format(s) docx"),
        (["--batch-size", "0"], "batch-size must be at least 1"),
    ],
)
def test_usage_errors_exit_2_before_any_work(fake, episode, args, message) -> None:
    result = invoke(episode, *args)
    assert result.exit_code == 2 and message in result.output
    assert fake.calls == []


def test_output_dir_that_is_a_file_exits_2(fake, episode, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke(episode, "-o", blocker)
    assert result.exit_code == 2 and "--output-dir is a file" in result.output


def test_config_file_and_bad_key(fake, episode, tmp_path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[asr]\nmodel = "tiny.en"\nbogus = 1\n')
    result = invoke(episode, "--config", cfg)
    assert result.exit_code == 2 and "unknown key 'bogus'" in result.output


def test_interrupt_exits_130_and_leaves_no_partial_output(fake, monkeypatch, episode) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run", interrupted)
    monkeypatch.setattr("sys.argv", ["transcribe", str(episode)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 130
    assert sorted(p.name for p in episode.parent.iterdir()) == ["my episode.flac"]
