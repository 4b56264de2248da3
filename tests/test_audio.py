"""Decoding with the real ffmpeg: every container the spine promises, and the bad inputs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from pipeline.audio import ffmpeg_binary, load_audio
from pipeline.errors import InputError

from .conftest import DATA

CONTAINERS = {
    "mp3": ["-c:a", "libmp3lame"],
    "m4a": ["-c:a", "aac"],
    "opus": ["-c:a", "libopus"],
    "ogg": ["-c:a", "libvorbis"],
    "flac": ["-c:a", "flac"],
    "wav": ["-c:a", "pcm_s16le"],
}
VIDEOS = {
    "mp4": ["-c:v", "mpeg4", "-c:a", "aac"],
    "mkv": ["-c:v", "mpeg4", "-c:a", "libmp3lame"],
    "webm": ["-c:v", "libvpx", "-c:a", "libopus"],
}


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_binary(), "-nostdin", "-loglevel", "error", "-y", *args], check=True)


def make_tone(path: Path, codec: list[str], seconds: float = 2.0, rate: int = 44100, channels: int = 2, video: bool = False) -> Path:
    inputs = ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={rate}:duration={seconds}"]
    if video:
        inputs += ["-f", "lavfi", "-i", f"testsrc=size=64x64:rate=5:duration={seconds}"]
    ffmpeg(*inputs, "-ac", str(channels), *codec, str(path))
    return path


@pytest.mark.parametrize("ext", sorted(CONTAINERS))
def test_audio_containers_decode_to_16k_mono_float(tmp_path, ext) -> None:
    audio = load_audio(make_tone(tmp_path / f"tone.{ext}", CONTAINERS[ext]))
    assert audio.sample_rate == 16000 and audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert 1.9 < audio.duration < 2.2
    assert 0.05 < float(np.abs(audio.samples).max()) <= 1.0  # lavfi sine peaks at 1/8


@pytest.mark.parametrize("ext", sorted(VIDEOS))
def test_audio_track_of_video_containers(tmp_path, ext) -> None:
    audio = load_audio(make_tone(tmp_path / f"clip.{ext}", VIDEOS[ext], video=True))
    assert 1.9 < audio.duration < 2.2


def test_six_channels_and_8k_are_downmixed_and_resampled(tmp_path) -> None:
    six = load_audio(make_tone(tmp_path / "six.wav", ["-c:a", "pcm_s16le"], rate=48000, channels=6))
    phone = load_audio(make_tone(tmp_path / "phone.wav", ["-c:a", "pcm_s16le"], rate=8000, channels=1))
    assert six.sample_rate == phone.sample_rate == 16000
    assert abs(six.duration - 2.0) < 0.05 and abs(phone.duration - 2.0) < 0.05


def test_real_speech_flac() -> None:
    audio = load_audio(DATA / "jfk.flac")
    assert abs(audio.duration - 11.0) < 0.01


def test_odd_names(tmp_path) -> None:
    for name in ["-leading dash.wav", "quote's \"x\".wav", "ünïcødé 音.wav", "a:b.wav"]:
        path = make_tone(tmp_path / name, ["-c:a", "pcm_s16le"])
        assert load_audio(path).duration > 1.9


def _bad(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.mp3"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("this is not audio at all\n" * 50)
    elif kind == "truncated":
        make_tone(tmp_path / "full.mp3", CONTAINERS["mp3"], seconds=5)
        path.write_bytes((tmp_path / "full.mp3").read_bytes()[:300])
    elif kind == "video-only":
        path = tmp_path / "video-only.mp4"
        ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=1", "-c:v", "mpeg4", str(path))
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("empty", "file is empty (0 bytes)"),
        ("text", "not a media file ffmpeg can read"),
        ("truncated", "mp3"),
        ("video-only", "has no audio stream"),
    ],
)
def test_bad_inputs_raise_one_clear_error_naming_the_file(tmp_path, kind, message) -> None:
    path = _bad(tmp_path, kind)
    with pytest.raises(InputError) as err:
        load_audio(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_missing_file_and_directory(tmp_path) -> None:
    with pytest.raises(InputError, match="file not found; check the path"):
        load_audio(tmp_path / "missing.mp3")
    with pytest.raises(InputError, match="is a directory"):
        load_audio(tmp_path)
