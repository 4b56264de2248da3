"""Choose the clustering threshold on data we have: prints DER and speaker counts per threshold.

    python benchmarks/diarization_sweep.py [--thresholds 0.4,0.5,0.6] [--files ami,excerpt,episode]

Segmentation and embeddings are computed once per file (pyannote's training-mode caches), then only
the clustering is re-run per threshold. DER: pyannote.metrics, overlap scored; collar = total width.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.diarize.postprocess import drop_minor_speakers  # noqa: E402
from pipeline.audio import load_audio  # noqa: E402
from pipeline.config import DiarizationOptions  # noqa: E402
from pipeline.diarize.pyannote_backend import MIN_SPEAKER_TOTAL, PyannoteDiarizer, bundled_parameters, to_diarization  # noqa: E402
from pipeline.evaluate import diarization_error_rate  # noqa: E402
from pipeline.references import read_rttm  # noqa: E402


def datasets(names: list[str]) -> list[tuple[str, Path, list]]:
    files = []
    if "ami" in names:
        ami = ROOT / "tests" / "data" / "ami"
        for flac in sorted(ami.glob("trn*.flac")):
            files.append((f"ami/{flac.stem}", flac, read_rttm(ami / "reference.rttm", uri=flac.stem)))
    for name in ("excerpt", "episode"):
        if name in names:
            files.append((name, ROOT / "samples" / f"{name}.mp3", read_rttm(ROOT / "samples" / f"{name}.ref.rttm")))
    return files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--thresholds", default="0.35,0.4,0.45,0.5,0.55,0.6,0.65,0.7,0.8")
    parser.add_argument("--files", default="ami,excerpt,episode")
    args = parser.parse_args()
    thresholds = [float(x) for x in args.thresholds.split(",")]
    options = DiarizationOptions()
    diarizer = PyannoteDiarizer(options)
    pipeline = diarizer.pipeline
    pipeline.training = True  # cache segmentation + embeddings in the file dict
    rows: dict[tuple[str, float], tuple] = {}
    for name, path, reference in datasets(args.files.split(",")):
        import torch

        audio = load_audio(path)
        file = {"waveform": torch.from_numpy(audio.samples)[None], "sample_rate": 16000, "uri": name}
        started = time.monotonic()
        for th in thresholds:
            pipeline.instantiate(bundled_parameters(replace(options, threshold=th)))
            with torch.inference_mode():
                found = drop_minor_speakers(to_diarization(pipeline(file)), MIN_SPEAKER_TOTAL)
            ders = [diarization_error_rate(reference, found.turns, c) for c in (0.0, 0.5)]
            rows[(name, th)] = (ders, len(found.speakers), len({t.speaker for t in reference}))
        print(f"{name}: {time.monotonic() - started:.1f} s", file=sys.stderr)
    report(rows, thresholds)


def report(rows: dict, thresholds: list[float]) -> None:
    names = sorted({n for n, _ in rows})
    print(
        f"{'threshold':>9} | {'AMI pooled DER c0':>17} | {'AMI pooled DER c0.5':>19} | "
        + " | ".join(f"{n} DER0.5 spk" for n in names if not n.startswith("ami"))
        + " | AMI speakers found/true"
    )
    for th in thresholds:
        ami = [rows[(n, th)] for n in names if n.startswith("ami")]
        pooled = [
            sum(r[0][i].missed + r[0][i].false_alarm + r[0][i].confusion for r in ami)
            / max(1e-9, sum(r[0][i].total for r in ami))
            for i in (0, 1)
        ]
        others = " | ".join(
            f"{rows[(n, th)][0][1].der:6.3f} {rows[(n, th)][1]}/{rows[(n, th)][2]}"
            for n in names
            if not n.startswith("ami")
        )
        counts = " ".join(f"{r[1]}/{r[2]}" for r in ami)
        print(f"{th:9.2f} | {pooled[0]:17.3f} | {pooled[1]:19.3f} | {others} | {counts}")


if __name__ == "__main__":
    main()
