"""CLI wiring with fake models (real ffmpeg decoding, real writers)."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

import pipeline.cli as cli
from pipeline.engine import Engine

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
    assert names == sorted(["my episode.flac"] + [f"my episode.{f}" for f in ("txt", "json", "srt", "vtt", "rttm", "html")])
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
        (["-f", "pdf"], "unknown output format(s) pdf"),
        (["--batch-size", "0"], "batch-size must be at least 1"),
        (["--workers", "2"], "--workers and --gpus-per-worker size the Ray actor pool: add --ray"),
        (["--ray", "--workers", "3-1"], "--workers must be N or MIN-MAX with 1 <= MIN <= MAX, got '3-1'"),
        (["--ray", "--workers", "two"], "--workers must be N or MIN-MAX, got 'two'"),
        (["--ray", "--gpus-per-worker", "-1"], "--gpus-per-worker must be 0 or more, got -1"),
        (["--speaker-name", "Ann"], "speaker-name 'Ann': expected SPEAKER_ID=Name"),
        (["--speaker-names", "maybe"], "speaker-names must be auto or off"),
        (["--speaker-names", "off", "--speaker-name", "SPEAKER_00=Ann"], "--speaker-names off keeps ids only"),
        (["--no-diarize", "--voices", "v"], "--voices and --save-voices need speakers"),
        (["--ray", "--save-voices", "v.json"], "--save-voices collects voices in one process"),
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


class RaisingTranscriber(FakeTranscriber):
    """Raises `error` for inputs whose name contains `marker`; transcribes the others."""

    def __init__(self, marker: str, error: Exception) -> None:
        super().__init__()
        self.marker, self.error = marker, error

    def transcribe(self, audio, language=None, progress=None, hotwords=None):
        if self.marker in audio.source:
            raise self.error
        return super().transcribe(audio, language, progress)


def _raising(monkeypatch, marker: str, error: Exception) -> None:
    asr = RaisingTranscriber(marker, error)
    monkeypatch.setattr(cli, "_engine_factory", lambda options: Engine(options, transcriber=asr, diarizer=FakeDiarizer()))


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ValueError("boom in a backend"), "unexpected error (ValueError: boom in a backend); this is a bug: rerun with --debug"),
        (RuntimeError("CUDA failed with error out of memory"), "GPU out of memory (RuntimeError: CUDA failed with error out of memory); lower --batch-size"),
        (MemoryError(), "out of memory (MemoryError: no message); close other programs"),
    ],
)
def test_any_exception_is_that_files_failure(monkeypatch, episode, tmp_path, error, message) -> None:
    bad = tmp_path / "bad.flac"
    shutil.copy(DATA / "jfk.flac", bad)
    _raising(monkeypatch, "bad", error)
    result = invoke(bad, episode, "-o", tmp_path / "o")
    assert result.exit_code == 1, result.output
    assert f"{bad}: failed: {message}" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in (tmp_path / "o").iterdir() if p.name.startswith("bad")) == []
    assert (tmp_path / "o" / "my episode.txt").exists(), "the other file went on"


@pytest.mark.parametrize("flag", ["--debug", "-v", "--verbose"])
def test_debug_prints_the_traceback(monkeypatch, episode, tmp_path, flag) -> None:
    _raising(monkeypatch, "episode", ValueError("boom"))
    result = invoke(episode, "-o", tmp_path / "o", flag)
    assert result.exit_code == 1
    assert "debug: " in result.output and "Traceback (most recent call last)" in result.output
    assert "ValueError: boom" in result.output
    assert "Traceback" not in invoke(episode, "-o", tmp_path / "o2").output, "no traceback without the flag"


def test_model_that_fails_to_load_exits_2(monkeypatch, episode, tmp_path) -> None:
    def broken(options):
        raise RuntimeError("CUDA driver initialisation failed")

    monkeypatch.setattr(cli, "_engine_factory", broken)
    result = invoke(episode, "-o", tmp_path / "o")
    assert result.exit_code == 2
    assert "error: models failed to load (RuntimeError: CUDA driver initialisation failed)" in result.output


def test_rttm_only_into_a_new_folder_is_done_not_skipped(fake, episode, tmp_path) -> None:
    out = tmp_path / "new_dir"
    result = invoke(episode, "-f", "rttm", "-o", out)
    assert result.exit_code == 0 and "skipped" not in result.output, result.output
    assert [p.name for p in out.iterdir()] == ["my episode.rttm"]
    assert "skipped" in invoke(episode, "-f", "rttm", "-o", out).output


def test_rttm_without_speakers_is_a_usage_error(fake, episode) -> None:
    result = invoke(episode, "-f", "rttm", "--no-diarize")
    assert result.exit_code == 2 and "rttm holds speakers only" in result.output


def test_one_more_format_later_writes_only_the_missing_one(fake, episode, tmp_path) -> None:
    out = tmp_path / "o"
    assert invoke(episode, "-f", "txt", "-o", out).exit_code == 0
    txt = out / "my episode.txt"
    txt.write_text("my edited transcript\n")  # the user's edits stay
    result = invoke(episode, "-f", "txt,srt", "-o", out)
    assert result.exit_code == 0, result.output
    assert "older than the input" not in result.output
    assert sorted(p.name for p in out.iterdir()) == ["my episode.srt", "my episode.txt"]
    assert txt.read_text() == "my edited transcript\n"


def test_quiet_prints_only_failures(fake, episode, tmp_path) -> None:
    missing = tmp_path / "nope.mp3"
    result = invoke(missing, episode, "-o", tmp_path / "o", "-q")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"{missing}: failed: {missing}: file not found; check the path"]


def test_default_level_shows_files_and_stages(fake, episode, tmp_path) -> None:
    default = invoke(episode, "-o", tmp_path / "a").output
    assert "[1/1]" in default and "speech recognition" in default and "debug:" not in default


def test_speaker_name_by_hand_shows_in_every_format(fake, episode, tmp_path) -> None:
    import json

    out = tmp_path / "o"
    result = invoke(episode, "-o", out, "--speaker-name", "SPEAKER_00=Ann Lee")
    assert result.exit_code == 0, result.output
    assert "Ann Lee: hello from the fake model." in (out / "my episode.txt").read_text()
    assert "[Ann Lee] hello" in (out / "my episode.srt").read_text()
    assert "<v Ann Lee>hello" in (out / "my episode.vtt").read_text()
    assert " Ann_Lee <NA> <NA>" in (out / "my episode.rttm").read_text()
    data = json.loads((out / "my episode.json").read_text())
    assert data["names"] == [{"speaker": "SPEAKER_00", "name": "Ann Lee", "how": "given", "confidence": 1.0, "evidence": []}]
    assert data["utterances"][0]["speaker"] == "SPEAKER_00"  # the id stays; the name is beside it


def test_speaker_names_off_keeps_ids(fake, episode, tmp_path) -> None:
    out = tmp_path / "o"
    assert invoke(episode, "-o", out, "--speaker-names", "off").exit_code == 0
    assert "SPEAKER_00: hello" in (out / "my episode.txt").read_text()


def test_voices_errors_exit_2_before_any_work(fake, episode, tmp_path) -> None:
    result = invoke(episode, "-o", tmp_path / "o", "--voices", tmp_path / "nowhere")
    assert result.exit_code == 2 and "nowhere: no such folder or file" in result.output
    (tmp_path / "voices").mkdir()
    result = invoke(episode, "-o", tmp_path / "o", "--voices", tmp_path / "voices")
    assert result.exit_code == 2, result.output
    assert "--voices needs speaker embeddings, which fake-diarizer does not give" in result.output
    assert fake.calls == [] and not any((tmp_path / "o").glob("*"))
