"""`transcribe` prints only its own lines, with or without FFmpeg's shared libraries.

pyannote imports torchcodec, which needs FFmpeg's shared libraries (libavutil.so.56-60); a fresh
machine has none (our ffmpeg is imageio-ffmpeg's standalone binary) and torchcodec then fails to
load, which pyannote reports as a ~50-line warning full of tracebacks. The condition is reproduced
on any machine by a stand-in `torchcodec` package, first on PYTHONPATH, that fails to import the
way the real one does there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.diarize.compat import is_torchcodec_warning

from .conftest import DATA

FAILING_TORCHCODEC = '''
import warnings
{extra}
raise RuntimeError(
    "Could not load libtorchcodec. Likely causes:\\n  1. FFmpeg is not properly installed ...\\n"
    "[start of libtorchcodec loading traceback]\\nFFmpeg version 7:\\nTraceback (most recent call last):\\n"
    "OSError: libavutil.so.59: cannot open shared object file: No such file or directory\\n"
    "[end of libtorchcodec loading traceback]."
)
'''


def without_ffmpeg_libraries(root: Path, extra: str = "") -> dict[str, str]:
    package = root / "shadow" / "torchcodec"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(FAILING_TORCHCODEC.format(extra=extra))
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "shadow"), os.environ.get("PYTHONPATH", "")])}


def run_cli(source: Path, out: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pipeline", str(source), "--model", "tiny.en", "-o", str(out)]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)


def foreign_lines(stderr: str, source: Path) -> list[str]:
    """Lines that are not ours: ours start with `[i/n] ` or with the input's path."""
    ours = re.compile(rf"^(\[\d+/\d+\] |{re.escape(str(source))}: )")
    return [line for line in stderr.splitlines() if not ours.match(line)]


@pytest.mark.parametrize("condition", ["as installed", "no FFmpeg libraries"])
def test_stderr_holds_only_our_lines(tmp_path, condition) -> None:
    env = without_ffmpeg_libraries(tmp_path) if condition == "no FFmpeg libraries" else None
    source = DATA / "jfk.flac"
    result = run_cli(source, tmp_path / "out", env)
    assert result.returncode == 0, result.stderr
    assert foreign_lines(result.stderr, source) == [], result.stderr
    assert re.search(r"diarization [\d.]+ s, 1 speakers", result.stderr), "the diarizer really ran"
    assert (tmp_path / "out" / "jfk.rttm").read_text().startswith("SPEAKER jfk 1 ")


def test_little_speech_meeting_clip_prints_no_numpy_warnings(tmp_path) -> None:
    """AMI trn01 has ~3 s of speech: no speaker gets an embedding long enough for clustering."""
    source = DATA / "ami" / "trn01.flac"
    result = run_cli(source, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert foreign_lines(result.stderr, source) == [], result.stderr


def test_debug_names_the_dropped_torchcodec_warning(tmp_path) -> None:
    env = without_ffmpeg_libraries(tmp_path)
    command = [sys.executable, "-m", "pipeline", str(DATA / "jfk.flac"), "--model", "tiny.en", "-f", "rttm", "-o", str(tmp_path / "out"), "--debug"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr
    assert "debug: torchcodec unavailable (not needed: audio is passed in memory)" in result.stderr
    assert "Traceback" not in result.stderr


def test_other_warnings_during_the_import_still_show(tmp_path) -> None:
    env = without_ffmpeg_libraries(tmp_path, extra='warnings.warn("an unrelated warning from the import", UserWarning)')
    code = "from pipeline.diarize.compat import import_pyannote_audio; import_pyannote_audio()"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert "an unrelated warning from the import" in result.stderr
    assert "torchcodec is not installed correctly" not in result.stderr


def test_only_pyannotes_torchcodec_message_matches() -> None:
    assert is_torchcodec_warning(UserWarning("\ntorchcodec is not installed correctly so built-in audio decoding will fail."))
    assert not is_torchcodec_warning(UserWarning("torchaudio backend is deprecated"))
    assert not is_torchcodec_warning(UserWarning("some other text; torchcodec is not installed correctly"))
