"""Decode any container ffmpeg reads into 16 kHz mono float32, once, in memory."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import InputError
from .types import SAMPLE_RATE, Audio

_CHUNK = 1 << 20  # bytes read from ffmpeg's pipe at a time


@lru_cache(maxsize=1)
def ffmpeg_binary() -> str:
    """The system ffmpeg if there is one, else the binary shipped by the imageio-ffmpeg wheel."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        raise InputError("ffmpeg not found: install it (apt-get install ffmpeg) or `pip install imageio-ffmpeg`") from None


def check_input(path: Path) -> None:
    """Fail early, with the file's name, on inputs that cannot be audio."""
    if not path.exists():
        raise InputError(f"{path}: file not found; check the path")
    if path.is_dir():
        raise InputError(f"{path}: is a directory with no audio or video files inside; pass media files or a folder that has some")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: file is empty (0 bytes); re-export or re-download it")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: cannot be read (permission denied); fix its permissions")


def load_audio(path: str | Path, sample_rate: int = SAMPLE_RATE) -> Audio:
    """Decode the first audio stream of `path`, downmixed and resampled by ffmpeg."""
    path = Path(path)
    check_input(path)
    samples = _decode(path, sample_rate)
    if samples.size == 0:
        raise InputError(f"{path}: decoded to no audio samples; the file holds no playable audio")
    return Audio(samples=samples, source=str(path), sample_rate=sample_rate)


def _decode(path: Path, sample_rate: int) -> np.ndarray:
    import ffmpeg  # ffmpeg-python: builds the argument list; no shell is involved

    stream = ffmpeg.input(f"file:{path.resolve()}").output(
        "pipe:", map="0:a:0", format="f32le", acodec="pcm_f32le", ac=1, ar=sample_rate
    )
    args = stream.global_args("-nostdin", "-hide_banner", "-loglevel", "error").compile(cmd=ffmpeg_binary())
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        data = _read_all(proc)
        if proc.wait() != 0:
            err.seek(0)
            raise InputError(_explain(path, err.read().decode("utf-8", "replace")))
    usable = len(data) - len(data) % 4
    return np.frombuffer(data, dtype=np.float32, count=usable // 4)


def _read_all(proc) -> bytearray:
    """Stream ffmpeg's output into one growing buffer (no list of chunks, no second copy)."""
    data = bytearray()
    assert proc.stdout is not None
    try:
        while chunk := proc.stdout.read(_CHUNK):
            data += chunk
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return data


def _explain(path: Path, stderr: str) -> str:
    lines = [ln.strip().replace(f"file:{path.resolve()}", "input") for ln in stderr.splitlines() if ln.strip()]
    detail = lines[-1] if lines else "ffmpeg failed"
    if any("matches no streams" in ln or "does not contain any stream" in ln for ln in lines):
        return f"{path}: has no audio stream; pass a file with an audio track"
    unreadable = ("Invalid data found", "Invalid argument", "Failed to read frame size", "could not find codec parameters")
    if any(marker in ln for ln in lines for marker in unreadable):
        return f"{path}: not a media file ffmpeg can read ({detail}); check it is audio/video and not truncated or mislabelled"
    return f"{path}: ffmpeg could not decode it ({detail}); check the file plays in a media player"
