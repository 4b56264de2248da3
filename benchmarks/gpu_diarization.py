"""Diarization on torch CUDA against the CPU, on one file: wall time, RTF, speakers and DER between them.

Runs where torch has a CUDA build and a GPU, with no ASR at all (so CTranslate2's cuBLAS 12 need not be
there): `python benchmarks/gpu_diarization.py samples/excerpt.mp3`. Prints a Markdown table; exits 1
when the CUDA run finds other speakers than the CPU run (DER between them above 2 %).
"""

from __future__ import annotations

import sys
import time

from pipeline.audio import load_audio
from pipeline.config import DiarizationOptions
from pipeline.diarize import make_diarizer
from pipeline.evaluate import diarization_error_rate
from pipeline.types import Audio, Diarization

SAME_SPEAKERS_DER = 0.02


def timed(audio: Audio, device: str) -> tuple[Diarization, float]:
    diarizer = make_diarizer(DiarizationOptions(), device=device)
    diarizer.diarize(audio)  # warm-up: CUDA context, kernels, weights on the device
    start = time.perf_counter()
    found = diarizer.diarize(audio)
    return found, time.perf_counter() - start


def main(path: str) -> int:
    audio = load_audio(path)
    rows, results = [], {}
    for device in ("cpu", "cuda"):
        found, wall = timed(audio, device)
        results[device] = found
        speakers = len({t.speaker for t in found.exclusive})
        rows.append(f"| {device} | {wall:.2f} | {wall / audio.duration:.4f} | {speakers} |")
    der = diarization_error_rate(results["cpu"].exclusive, results["cuda"].exclusive).der
    print(f"{path}: {audio.duration:.1f} s of audio\n\n| device | wall s | RTF | speakers |\n|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nDER of the CUDA run against the CPU run: {der:.4f} (same speakers: {der <= SAME_SPEAKERS_DER})")
    return 0 if der <= SAME_SPEAKERS_DER else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "samples/excerpt.mp3"))
