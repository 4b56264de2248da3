"""ASR chunking on real and rendered speech: WER and time, faster-whisper's own VAD chunks against
clips packed at the pauses (pipeline/chunking.py). Prints a table; never pass/fail.

    python benchmarks/asr_eval.py [--model base] [--cache /tmp/podscribe-asr]

Recordings: the two long samples (episode, similar), the excerpt clean and as telephone band /
32 kbit/s MP3 / 10 dB pink noise (benchmarks/devset.py's degradations), JFK and a LibriSpeech
utterance (real read and spoken speech).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.devset import degrade  # noqa: E402
from pipeline import asr as asr_module  # noqa: E402
from pipeline.asr import FasterWhisperTranscriber  # noqa: E402
from pipeline.audio import load_audio  # noqa: E402
from pipeline.config import AsrOptions  # noqa: E402
from pipeline.evaluate import word_error_rate  # noqa: E402

SAMPLES, DATA = ROOT / "samples", ROOT / "tests" / "data"
# label -> (chunk length, clips packed at pauses?)
SETUPS = {"faster-whisper VAD chunks, 20 s (before)": (20, False), "clips at pauses, 30 s (now)": (30, True)}


def recordings(cache: Path) -> list[tuple[str, Path, str]]:
    excerpt = SAMPLES / "excerpt.mp3"
    rows = [(n, SAMPLES / f"{n}.mp3", (SAMPLES / f"{n}.ref.txt").read_text()) for n in ("episode", "similar")]
    rows.append(("excerpt", excerpt, (SAMPLES / "excerpt.ref.txt").read_text()))
    for variant in ("tel", "mp3", "noise"):
        rows.append((f"excerpt+{variant}", degrade(excerpt, variant, cache / f"excerpt+{variant}"), rows[-1][2]))
    rows.append(("jfk", DATA / "jfk.flac", (DATA / "jfk.txt").read_text()))
    libri = "librispeech-2412-153948-0000"
    rows.append(("librispeech", DATA / f"{libri}.flac", (DATA / f"{libri}.txt").read_text()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="base")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/podscribe-asr"))
    args = parser.parse_args()
    transcriber = FasterWhisperTranscriber(AsrOptions(model=args.model))
    spans = asr_module.speech_spans
    results: dict[tuple[str, str], tuple[float, float, int]] = {}
    rows = recordings(args.cache)
    for label, (chunk, clips) in SETUPS.items():
        transcriber.options = dataclasses.replace(transcriber.options, chunk_length=chunk)
        asr_module.speech_spans = spans if clips else (lambda audio, max_clip: [])
        for name, path, reference in rows:
            audio = load_audio(path)
            start = time.perf_counter()
            text = " ".join(s.text for s in transcriber.transcribe(audio).segments)
            wer = word_error_rate(reference, text)
            results[(label, name)] = (wer.wer, time.perf_counter() - start, wer.reference_words)
            print(f"{label}: {name} WER {wer.wer:.2%} in {results[(label, name)][1]:.1f} s", file=sys.stderr)
    asr_module.speech_spans = spans
    print_table(rows, results)


def print_table(rows: list, results: dict) -> None:
    print("| recording | words | " + " | ".join(f"{label}: WER, s" for label in SETUPS) + " |")
    print("|---|---:|" + "---|" * len(SETUPS))
    for name, _, _ in rows:
        words = results[(next(iter(SETUPS)), name)][2]
        cells = [f"{results[(label, name)][0]:.2%}, {results[(label, name)][1]:.1f}" for label in SETUPS]
        print(f"| {name} | {words} | " + " | ".join(cells) + " |")
    for label in SETUPS:
        errors = sum(results[(label, n)][0] * results[(label, n)][2] for n, _, _ in rows)
        words = sum(results[(label, n)][2] for n, _, _ in rows)
        seconds = sum(results[(label, n)][1] for n, _, _ in rows)
        print(f"\n{label}: pooled WER {errors / words:.2%} over {words} words, {seconds:.0f} s", end="")
    print()


if __name__ == "__main__":
    main()
