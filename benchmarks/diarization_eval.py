"""Diarization on the dev set: per recording and pooled DER, error parts and speakers found, per clustering.

    python benchmarks/diarization_eval.py [--clustering ahc,adaptive,adaptive+reseg] [--only real|samples]
                                          [--variants clean,tel,mp3,noise] [--cache DIR] [--markdown]

The dev set (benchmarks/devset.py): ten real recordings (nine AMI clips, pyannote's AMI sample), each
clean and as telephone band / 32 kbit/s MP3 / 10 dB noise copies, plus the rendered samples. Defaults
throughout (no speaker hints). Segmentation and embeddings are computed once per recording and kept
in --cache; each clustering then re-runs only clustering and reconstruction. "+reseg" adds the
resegmentation pass (pipeline/diarize/resegment.py; the default is adaptive+reseg). DER: pyannote.metrics,
overlap scored, at collar 0 and 0.5 s (total width). "found" counts speakers after our post-processing.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.devset import VARIANTS, Recording, real_recordings, sample_recordings  # noqa: E402
from pipeline.audio import load_audio  # noqa: E402
from pipeline.config import DiarizationOptions  # noqa: E402
from pipeline.diarize.pyannote_backend import PyannoteDiarizer  # noqa: E402
from pipeline.evaluate import DerResult, diarization_error_rate  # noqa: E402
from pipeline.types import Diarization  # noqa: E402


@dataclass(frozen=True)
class Row:
    recording: Recording
    clustering: str
    der: tuple[DerResult, DerResult]  # collar 0, collar 0.5
    found: int
    seconds: float  # clustering + reconstruction only


def memoise(pipeline, cache: Path) -> None:
    """Keep segmentations and embeddings per recording, on disk: clustering is all that changes."""
    cache.mkdir(parents=True, exist_ok=True)

    def cached(name, compute):
        def wrapper(file, *args, **kwargs):
            path = cache / f"{file['uri'].replace('/', '_')}.{name}.pkl"
            if path.exists():
                return pickle.loads(path.read_bytes())
            value = compute(file, *args, **kwargs)
            path.write_bytes(pickle.dumps(value))
            return value

        return wrapper

    pipeline.get_segmentations = cached("segmentation", pipeline.get_segmentations)
    embeddings_and_blocks = cached("embeddings+blocks", lambda *a, **k: (pipeline_get(*a, **k), pipeline.block_stats))
    pipeline_get = pipeline.get_embeddings

    def get_embeddings(*args, **kwargs):
        embeddings, pipeline.block_stats = embeddings_and_blocks(*args, **kwargs)  # the resegmentation pass reads them
        return embeddings

    pipeline.get_embeddings = get_embeddings


def evaluate(diarizer: PyannoteDiarizer, recordings: list[Recording], clusterings: list[str]) -> list[Row]:
    rows = []
    for rec in recordings:
        audio = load_audio(rec.path)
        audio = replace(audio, source=rec.name)  # the cache key
        diarizer.diarize(audio)  # fills the cache
        for name in clusterings:
            diarizer.use_clustering(name.removesuffix("+reseg"))
            diarizer.options = replace(diarizer.options, resegment=name.endswith("+reseg"))
            started = time.monotonic()
            found: Diarization = diarizer.diarize(audio)
            seconds = time.monotonic() - started
            ders = (
                diarization_error_rate(rec.reference, found.turns, 0.0),
                diarization_error_rate(rec.reference, found.turns, 0.5),
            )
            rows.append(Row(rec, name, ders, len(found.speakers), seconds))
        print(
            f"{rec.name}: "
            + "  ".join(
                f"{r.clustering} {r.der[0].der:.3f} {r.found}/{rec.speakers}" for r in rows[-len(clusterings) :]
            ),
            file=sys.stderr,
        )
    return rows


def pooled(rows: list[Row], collar: int) -> tuple[float, float, float, float, float]:
    """(DER, missed, false alarm, confusion, total seconds) over rows, at COLLARS[collar]."""
    parts = [sum(getattr(r.der[collar], k) for r in rows) for k in ("missed", "false_alarm", "confusion", "total")]
    missed, fa, conf, total = parts
    return (missed + fa + conf) / max(total, 1e-9), missed, fa, conf, total


def report(rows: list[Row], clusterings: list[str], markdown: bool) -> None:
    sep = " | " if markdown else "  "
    head = ["recording", "ref spk"] + [f"{c}: DER c0 / c0.5, miss/fa/conf s, found" for c in clusterings]
    print(("| " if markdown else "") + sep.join(head) + (" |" if markdown else ""))
    if markdown:
        print("|" + "---|" * len(head))
    by_rec: dict[str, dict[str, Row]] = defaultdict(dict)
    for r in rows:
        by_rec[r.recording.name][r.clustering] = r
    for name, per in by_rec.items():
        first = next(iter(per.values()))
        cells = [name, str(first.recording.speakers)]
        for c in clusterings:
            r = per[c]
            d0, d5 = r.der
            cells.append(
                f"{d0.der:.3f} / {d5.der:.3f}, {d0.missed:.1f}/{d0.false_alarm:.1f}/{d0.confusion:.1f}, {r.found}"
            )
        print(("| " if markdown else "") + sep.join(cells) + (" |" if markdown else ""))
    for group, keep in (
        ("real, all", lambda r: r.recording.real),
        ("real, clean", lambda r: r.recording.real and "+" not in r.recording.name),
    ):
        cells = [f"pooled {group}", ""]
        for c in clusterings:
            chosen = [r for r in rows if r.clustering == c and keep(r)]
            if not chosen:
                cells.append("-")
                continue
            der0, miss, fa, conf, total = pooled(chosen, 0)
            der5 = pooled(chosen, 1)[0]
            exact = sum(r.found == r.recording.speakers for r in chosen)
            single = sum(r.found == 1 and r.recording.speakers > 1 for r in chosen)
            cells.append(
                f"{der0:.3f} / {der5:.3f}, conf {conf / total:.3f} of speech, exact count {exact}/{len(chosen)}, one-speaker {single}"
            )
        print(("| " if markdown else "") + sep.join(cells) + (" |" if markdown else ""))
    for c in clusterings:
        print(
            f"{c}: clustering+reconstruction {sum(r.seconds for r in rows if r.clustering == c):.1f} s in all",
            file=sys.stderr,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clustering", default="ahc,adaptive,adaptive+reseg")
    parser.add_argument("--only", choices=["real", "samples"])
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/podscribe-devset"))
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    recordings = []
    if args.only != "samples":
        recordings += real_recordings(args.cache / "audio", tuple(args.variants.split(",")))
    if args.only != "real":
        recordings += sample_recordings()
    diarizer = PyannoteDiarizer(DiarizationOptions())
    memoise(diarizer.pipeline, args.cache / "features")
    clusterings = args.clustering.split(",")
    report(evaluate(diarizer, recordings, clusterings), clusterings, args.markdown)


if __name__ == "__main__":
    main()
