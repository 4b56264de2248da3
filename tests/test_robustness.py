"""Every row of docs/robustness.md: real `transcribe` process, real tiny.en, inputs generated here.

One batch run covers the input rows (one model load); the option, output and signal rows run their
own short processes. Each test asserts the documented line, exit code and outputs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from pipeline.audio import ffmpeg_binary
from pipeline.evaluate import normalize

from .conftest import DATA, SAMPLES

TRANSCRIBE = [sys.executable, "-m", "pipeline"]
TINY = ["--model", "tiny.en"]


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_binary(), "-nostdin", "-loglevel", "error", "-y", *args], check=True)


def transcribe(*args: str | Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYANNOTE_METRICS_ENABLED": "0"}
    return subprocess.run([*TRANSCRIBE, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env)


def make_inputs(root: Path) -> dict[str, Path]:
    jfk = DATA / "jfk.flac"
    p = {name: root / file for name, file in {
        "missing": "missing.mp3", "empty-folder": "folder.mp3", "zero": "zero.mp3", "text": "text.mp3",
        "truncated": "truncated.mp3", "corrupt": "corrupt.mkv", "video-only": "video-only.mp4",
        "one-second": "one-second.wav", "silence": "silence.flac", "noise": "noise.flac", "music": "music.flac",
        "phone-8k": "phone-8k.wav", "six-channel": "six-channel.flac", "stereo-48k": "stereo-48k.m4a",
        "odd-name": "Ep 1 – \"Ünïcødé\" 's: 音.flac",
    }.items()}
    p["empty-folder"].mkdir()
    p["zero"].write_bytes(b"")
    p["text"].write_text("this is a text file renamed to .mp3\n" * 40)
    ffmpeg("-i", str(jfk), "-c:a", "libmp3lame", str(root / "full.mp3"))
    p["truncated"].write_bytes((root / "full.mp3").read_bytes()[:300])
    p["corrupt"].write_bytes(np.random.default_rng(1).integers(0, 256, 20_000, dtype=np.uint8).tobytes())
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=2", "-c:v", "mpeg4", str(p["video-only"]))
    ffmpeg("-i", str(jfk), "-t", "1", str(p["one-second"]))
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "60", str(p["silence"]))
    ffmpeg("-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.3:sample_rate=16000", "-t", "60", str(p["noise"]))
    chords = "0.2*sin(2*PI*220*t)*(1+sin(2*PI*2*t))/2+0.15*sin(2*PI*277*t)+0.15*sin(2*PI*330*t)*(1+sin(2*PI*3*t))/2"
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{chords}':s=44100", "-t", "60", str(p["music"]))
    ffmpeg("-i", str(jfk), "-ar", "8000", "-ac", "1", str(p["phone-8k"]))
    ffmpeg("-i", str(jfk), "-af", "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0", str(p["six-channel"]))
    ffmpeg("-i", str(jfk), "-ar", "48000", "-ac", "2", "-c:a", "aac", str(p["stereo-48k"]))
    shutil.copy(jfk, p["odd-name"])
    return p


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    inputs = make_inputs(root)
    out = root / "out"
    result = transcribe(*inputs.values(), "-o", out, *TINY, "--summary", root / "summary.json")
    files = {Path(f["source"]).name: f for f in json.loads((root / "summary.json").read_text())["files"]}
    return {"result": result, "inputs": inputs, "out": out, "files": files}


def row(batch, name: str) -> dict:
    return batch["files"][batch["inputs"][name].name]


def words_in(batch, name: str) -> list:
    data = json.loads((batch["out"] / f"{batch['inputs'][name].stem}.json").read_text())
    return [w for u in data["utterances"] for w in u["words"]]


def test_batch_goes_on_and_exits_1(batch) -> None:
    assert batch["result"].returncode == 1
    assert "Traceback" not in batch["result"].stderr


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing", "file not found; check the path"),
        ("empty-folder", "is a directory with no audio or video files inside"),
        ("zero", "file is empty (0 bytes)"),
        ("text", "not a media file ffmpeg can read"),
        ("truncated", "not a media file ffmpeg can read"),
        ("corrupt", "not a media file ffmpeg can read"),
        ("video-only", "has no audio stream"),
    ],
)
def test_bad_input_fails_alone_with_one_clear_line(batch, name, message) -> None:
    entry = row(batch, name)
    assert entry["status"] == "failed" and message in entry["error"] and str(batch["inputs"][name]) in entry["error"]
    lines = [ln for ln in batch["result"].stderr.splitlines() if ln.startswith(f"{batch['inputs'][name]}: failed")]
    assert len(lines) == 1, "one line per failure"
    assert not list(batch["out"].glob(f"{batch['inputs'][name].stem}.*")), "no output for a failed input"


@pytest.mark.parametrize("name", ["silence", "noise", "music"])
def test_non_speech_gives_zero_words(batch, name) -> None:
    assert row(batch, name)["status"] == "done"
    assert words_in(batch, name) == []
    assert (batch["out"] / f"{batch['inputs'][name].stem}.txt").read_text() == ""


@pytest.mark.parametrize("name", ["phone-8k", "six-channel", "stereo-48k", "odd-name"])
def test_formats_and_names_transcribe_jfk(batch, name) -> None:
    assert row(batch, name)["status"] == "done"
    text = normalize("".join(w["text"] for w in words_in(batch, name)))
    assert "ask not what your country can do for you" in text, text


def test_one_second_of_audio(batch) -> None:
    assert row(batch, "one-second")["status"] == "done"


def test_no_partial_or_temp_files(batch) -> None:
    assert not [p for p in batch["out"].rglob("*") if p.name.startswith(".") or p.suffix == ".part"]


def test_leading_dash_name(tmp_path) -> None:
    shutil.copy(DATA / "jfk.flac", tmp_path / "-dash.flac")
    result = subprocess.run([*TRANSCRIBE, *TINY, "--no-diarize", "-f", "txt", "--", "-dash.flac"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "fellow Americans" in (tmp_path / "-dash.txt").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--num-speakers", "0"], "num-speakers must be 1 or more"),
        (["--min-speakers", "5", "--max-speakers", "2"], "min-speakers (5) is greater than max-speakers (2)"),
        (["--model", "no-such-model"], "model 'no-such-model' is not bundled and could not be fetched"),
        (["--config", "missing.toml"], "missing.toml: config file not found"),
        (["-o", "blocker/sub"], "output directory cannot be created or written"),
        (["--cast", "Ann Lee (producer)"], "cannot read 'Ann Lee (producer)'; write a name, optionally with a role"),
        (["--cast", "missing.txt"], "missing.txt: cast file not found"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path, args, message) -> None:
    (tmp_path / "blocker").write_text("a file where a folder is expected")
    shutil.copy(DATA / "jfk.flac", tmp_path / "a.flac")
    args = [a.replace("blocker", str(tmp_path / "blocker")).replace("missing.toml", str(tmp_path / "missing.toml")) for a in args]
    result = transcribe(tmp_path / "a.flac", *TINY, *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert result.stderr.count("error:") == 1 and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.flac", "blocker"], "nothing written"


def test_bad_config_value_exits_2(tmp_path) -> None:
    (tmp_path / "c.toml").write_text("[diarization]\nthreshold = 'high'\n")
    result = transcribe(DATA / "jfk.flac", "--config", tmp_path / "c.toml")
    assert result.returncode == 2 and "threshold: bad value 'high'" in result.stderr


def test_existing_output_is_not_overwritten(tmp_path) -> None:
    shutil.copy(DATA / "jfk.flac", tmp_path / "a.flac")
    (tmp_path / "a.txt").write_text("my own notes")
    os.utime(tmp_path / "a.flac", (time.time() + 5, time.time() + 5))  # my notes are older than the audio
    result = transcribe(tmp_path / "a.flac", *TINY, "--no-diarize")
    assert result.returncode == 1 and "a.txt: already exists and is older than the input; pass --overwrite" in result.stderr
    assert (tmp_path / "a.txt").read_text() == "my own notes"


def _like_a_terminal() -> None:
    """The child starts as from a shell: Ctrl-C at its default. pytest's process may hold SIGINT
    ignored by then (test_ray's Ray runs first), and a child inherits that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt(tmp_path: Path, sig: int) -> tuple[subprocess.Popen, str]:
    shutil.copy(SAMPLES / "excerpt.mp3", tmp_path / "ep.mp3")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([*TRANSCRIBE, str(tmp_path / "ep.mp3"), *TINY, "-o", str(tmp_path / "out")],
                            stderr=subprocess.PIPE, text=True, env=env, preexec_fn=_like_a_terminal)
    seen = ""
    assert proc.stderr is not None
    for line in proc.stderr:  # wait until the file is being worked on
        seen += line
        if "decoded" in line:
            break
    time.sleep(1.0)
    proc.send_signal(sig)
    rest: list[str] = []
    reader = threading.Thread(target=lambda: rest.append(proc.stderr.read()), daemon=True)
    reader.start()
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:  # a hang fails the test instead of stalling the whole run
        proc.kill()
        proc.wait()
        pytest.fail(f"still running 120 s after {signal.Signals(sig).name}")
    reader.join(10)
    return proc, seen + "".join(rest)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_exits_130_leaving_nothing(tmp_path, sig) -> None:
    proc, stderr = _interrupt(tmp_path, sig)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_sigkill_leaves_nothing_and_rerun_completes(tmp_path) -> None:
    proc, _ = _interrupt(tmp_path, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert list((tmp_path / "out").iterdir()) == []
    again = transcribe(tmp_path / "ep.mp3", *TINY, "-o", tmp_path / "out")
    assert again.returncode == 0, again.stderr
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".html", ".json", ".rttm", ".srt", ".txt", ".vtt"]


def test_three_hour_file_decodes_with_bounded_memory(tmp_path) -> None:
    long = tmp_path / "three-hours.flac"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000", "-t", "10800", "-ac", "1", str(long))
    # VmHWM, not getrusage's ru_maxrss: the latter keeps the high-water mark of the forking pytest
    # process (models loaded) across exec, so it would measure the parent.
    probe = "import sys; from pipeline.audio import load_audio; a=load_audio(sys.argv[1]); " \
            "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]; print(a.duration, hwm)"
    out = subprocess.run([sys.executable, "-c", probe, str(long)], capture_output=True, text=True, check=True).stdout.split()
    duration, peak_kib = float(out[0]), int(out[1])
    samples_mib = 10800 * 16000 * 4 / 2**20  # 659 MiB of float32 is the floor
    assert abs(duration - 10800) < 1
    assert peak_kib / 1024 < samples_mib * 1.4 + 150, f"peak {peak_kib / 1024:.0f} MiB for {samples_mib:.0f} MiB of samples"
