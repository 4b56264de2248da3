"""Decode any container ffmpeg reads into 16 kHz mono float32, once, in memory (and, when asked,
its channels beside the downmix, from the same ffmpeg run)."""

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
        raise InputError(
            "ffmpeg not found: install it (apt-get install ffmpeg) or `pip install imageio-ffmpeg`"
        ) from None


def check_input(path: Path) -> None:
    """Fail early, with the file's name, on inputs that cannot be audio."""
    if not path.exists():
        raise InputError(f"{path}: file not found; check the path")
    if path.is_dir():
        raise InputError(
            f"{path}: is a directory with no audio or video files inside; pass media files or a folder that has some"
        )
    if path.stat().st_size == 0:
        raise InputError(f"{path}: file is empty (0 bytes); re-export or re-download it")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: cannot be read (permission denied); fix its permissions")


def load_audio(path: str | Path, sample_rate: int = SAMPLE_RATE, keep_channels: bool = False) -> Audio:
    """Decode the first audio stream of `path`, downmixed and resampled by ffmpeg; with
    `keep_channels`, a file of several channels also keeps them (Audio.channels)."""
    path = Path(path)
    check_input(path)
    samples, channels = _decode(path, sample_rate, keep_channels)
    if samples.size == 0:
        raise InputError(f"{path}: decoded to no audio samples; the file holds no playable audio")
    return Audio(samples=samples, source=str(path), sample_rate=sample_rate, channels=channels)


def _decode(path: Path, sample_rate: int, keep_channels: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """ffmpeg writes raw float32 samples to a temp file, read back into one array; with
    `keep_channels` the same run also writes every channel to a WAV file (its header says how many).

    Going through a file rather than a pipe keeps peak memory at one copy of the samples even for
    multi-hour inputs (a growing in-memory buffer is copied as it grows). The downmix is always
    ffmpeg's own, so a file transcribed mixed gets the same samples whatever --channels says.
    """
    import ffmpeg  # ffmpeg-python: builds the argument list; no shell is involved

    with tempfile.TemporaryDirectory(prefix="podscribe-") as tmp:
        raw, wav = Path(tmp) / "audio.f32", Path(tmp) / "channels.wav"
        source = ffmpeg.input(f"file:{path.resolve()}")
        outputs = [source.output(f"file:{raw}", map="0:a:0", format="f32le", acodec="pcm_f32le", ac=1, ar=sample_rate)]
        if keep_channels:
            outputs.append(source.output(f"file:{wav}", map="0:a:0", format="wav", acodec="pcm_f32le", ar=sample_rate))
        stream = ffmpeg.merge_outputs(*outputs)
        args = stream.global_args("-nostdin", "-hide_banner", "-loglevel", "error", "-y").compile(cmd=ffmpeg_binary())
        result = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if result.returncode != 0:
            raise InputError(_explain(path, result.stderr.decode("utf-8", "replace")))
        samples = np.fromfile(raw, dtype=np.float32) if raw.exists() else np.zeros(0, dtype=np.float32)
        channels = read_float_wav(wav) if keep_channels and wav.exists() else None
    return samples, channels if channels is not None and channels.shape[0] > 1 else None


def read_float_wav(path: Path) -> np.ndarray | None:
    """(channels, n) float32 from a WAV of 32-bit float samples as ffmpeg writes it; None when it
    holds one channel (the downmix already has it). The data chunk is read to the end of the file:
    past 4 GiB its size field cannot hold the length."""
    with path.open("rb") as fh:
        head = fh.read(12)
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise InputError(f"{path}: ffmpeg wrote no WAV header; this is a bug, please report it")
        count = 0
        while chunk := fh.read(8):
            name, size = chunk[:4], int.from_bytes(chunk[4:8], "little")
            if name == b"data":
                break
            body = fh.read(size + (size & 1))
            if name == b"fmt ":
                count = int.from_bytes(body[2:4], "little")
        if count <= 1:
            return None
        data = np.fromfile(fh, dtype=np.float32)
    frames = len(data) // count
    return np.ascontiguousarray(data[: frames * count].reshape(frames, count).T)


def _explain(path: Path, stderr: str) -> str:
    lines = [ln.strip().replace(f"file:{path.resolve()}", "input") for ln in stderr.splitlines() if ln.strip()]
    detail = lines[-1] if lines else "ffmpeg failed"
    if any("matches no streams" in ln or "does not contain any stream" in ln for ln in lines):
        return f"{path}: has no audio stream; pass a file with an audio track"
    unreadable = (
        "Invalid data found",
        "Invalid argument",
        "Failed to read frame size",
        "could not find codec parameters",
    )
    if any(marker in ln for ln in lines for marker in unreadable):
        return (
            f"{path}: not a media file ffmpeg can read ({detail}); check it is audio/video and not "
            "truncated or mislabelled"
        )
    return f"{path}: ffmpeg could not decode it ({detail}); check the file plays in a media player"
