"""Fuzz-style: random bytes, mangled real files and random short audio never escape as a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave

import numpy as np
import pytest

from pipeline.audio import load_audio
from pipeline.errors import InputError

from .conftest import DATA

EXTENSIONS = [".mp3", ".wav", ".flac", ".m4a", ".ogg", ".mkv", ".mp4", ".bin"]


def fuzz_inputs(root, seed: int = 20261128, count: int = 24) -> list:
    rng = np.random.default_rng(seed)
    real = (DATA / "jfk.flac").read_bytes()
    paths = []
    for i in range(count):
        kind = i % 4
        path = root / f"fuzz{i:02d}{EXTENSIONS[i % len(EXTENSIONS)]}"
        if kind == 0:  # random bytes
            path.write_bytes(rng.integers(0, 256, int(rng.integers(1, 50_000)), dtype=np.uint8).tobytes())
        elif kind == 1:  # a real file cut short
            path = path.with_suffix(".flac")
            path.write_bytes(real[: int(rng.integers(1, len(real)))])
        elif kind == 2:  # a real file with bytes flipped
            data = bytearray(real)
            for pos in rng.integers(0, len(data), 200):
                data[pos] ^= 0xFF
            path = path.with_suffix(".flac")
            path.write_bytes(bytes(data))
        else:  # random short audio at a random rate
            path = path.with_suffix(".wav")
            rate = int(rng.choice([8000, 11025, 16000, 22050, 44100, 48000]))
            samples = (rng.standard_normal(int(rate * rng.uniform(0.01, 3.0))) * 3000).astype(np.int16)
            with wave.open(str(path), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(rate)
                w.writeframes(samples.tobytes())
        paths.append(path)
    return paths


def test_decoder_only_ever_raises_input_error(tmp_path) -> None:
    outcomes = {"decoded": 0, "refused": 0}
    for path in fuzz_inputs(tmp_path):
        try:
            audio = load_audio(path)
            assert audio.samples.dtype == np.float32 and audio.samples.size > 0
            outcomes["decoded"] += 1
        except InputError as err:
            assert str(path) in str(err)
            outcomes["refused"] += 1
    assert outcomes["decoded"] and outcomes["refused"], outcomes


def test_cli_on_fuzz_batch_exits_as_documented(tmp_path) -> None:
    (tmp_path / "in").mkdir()
    paths = fuzz_inputs(tmp_path / "in")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, paths), "--model", "tiny.en", "--no-diarize", "-o", str(tmp_path / "out"),
         "--summary", str(tmp_path / "s.json")],
        capture_output=True, text=True, timeout=900, env=env,
    )
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    files = json.loads((tmp_path / "s.json").read_text())["files"]
    assert len(files) == len(paths) and {f["status"] for f in files} <= {"done", "failed"}
    assert all(f["error"] for f in files if f["status"] == "failed")
    assert (result.returncode == 1) == any(f["status"] == "failed" for f in files)
