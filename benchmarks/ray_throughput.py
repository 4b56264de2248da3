"""Throughput of the batch job: local run vs Ray with 1 and 2 actors, same 12 files, same machine.

    python benchmarks/ray_throughput.py [--model tiny.en]

Files: JFK, LibriSpeech, the nine AMI clips and the rendered excerpt (the real audio first).
Prints wall time, files/hour, audio-hours/hour and Ray's added seconds per file against the local
run. Each configuration writes into a fresh temp folder; Ray starts once (a local 2-CPU instance),
and its start-up is timed separately. 1 actor gets 2 CPUs (ASR on 2 threads, as the local run);
2 actors get 1 CPU each (ASR on 1 thread each), which is what fits 2 actors on a 2-core machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.audio import load_audio  # noqa: E402
from pipeline.batch import Job  # noqa: E402
from pipeline.config import load  # noqa: E402
from pipeline.distributed import RayOptions, run_on_ray  # noqa: E402
from pipeline.run import run  # noqa: E402


def inputs() -> list[Path]:
    data = ROOT / "tests" / "data"
    files = [data / "jfk.flac", data / "librispeech-2412-153948-0000.flac"]
    files += sorted((data / "ami").glob("*.flac"))
    return files + [ROOT / "samples" / "excerpt.mp3"]


def timed(label: str, work) -> tuple[str, float, list]:
    with tempfile.TemporaryDirectory() as out:
        started = time.monotonic()
        reports = work(out)
        return label, time.monotonic() - started, reports


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="tiny.en")
    args = parser.parse_args()
    files = inputs()
    jobs = [Job(f) for f in files]
    audio_seconds = sum(load_audio(f).duration for f in files)

    def options(out: str, threads: int = 2):
        return load(None, asr={"model": args.model, "cpu_threads": threads}, output={"directory": out})

    import ray

    rows = [timed("local batch (1 process, 2 ASR threads)", lambda out: run(jobs, options(out)))]
    started = time.monotonic()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    startup = time.monotonic() - started
    one = RayOptions(min_workers=1, max_workers=1, cpus_per_worker=2)
    rows.append(timed("Ray, 1 actor (2 CPUs)", lambda out: run_on_ray(jobs, options(out), one)))
    two = replace(one, min_workers=2, max_workers=2, cpus_per_worker=1)
    rows.append(timed("Ray, 2 actors (1 CPU each)", lambda out: run_on_ray(jobs, options(out, threads=1), two)))
    ray.shutdown()
    print_table(rows, len(files), audio_seconds, startup, args.model)


def print_table(rows: list, count: int, audio_seconds: float, startup: float, model: str) -> None:
    local_wall = rows[0][1]
    print(
        f"\n{count} files, {audio_seconds:.0f} s of audio, model {model}; Ray start-up {startup:.1f} s (not in the rows)\n"
    )
    print("| run | wall s | files/hour | audio-hours/hour | Ray overhead s/file | done |")
    print("|---|---|---|---|---|---|")
    for label, wall, reports in rows:
        overhead = "" if label.startswith("local") else f"{(wall - local_wall) / count:+.2f}"
        done = sum(r.status == "done" for r in reports)
        print(
            f"| {label} | {wall:.1f} | {count * 3600 / wall:.0f} | {audio_seconds / wall:.1f} | {overhead} | {done}/{count} |"
        )


if __name__ == "__main__":
    main()
