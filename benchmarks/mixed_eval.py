"""How far apart the two halves of one voice are, against two voices merged: the "mixed speaker" rule.

    python benchmarks/mixed_eval.py [--cache DIR]

For every real recording with a reference (the nine AMI clips, the dev set's three conversations
of AMI voices, the 9.5-min sales call in ../shared/real-speakers, each clean and telephone band)
and the rendered samples, the CAM++ frame sums of the bundled diarizer's first pass are kept in
--cache. Each reference speaker with 16 s or more of speech alone is a *single* voice; each pair of
reference speakers of one recording, their turns given one label, is a *merged* speaker (what a
clustering that merges them would hand to the names rules). Prints pipeline.diarize.mixed's split
distance for each, and how many singles and merged pairs each cut would call mixed.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.devset import conversations, degrade, real_sources, sample_recordings  # noqa: E402
from pipeline.audio import load_audio  # noqa: E402
from pipeline.diarize.mixed import MIN_PIECES, piece_embeddings, speaker_pieces, split_distance  # noqa: E402
from pipeline.diarize.postprocess import exclusive_view  # noqa: E402
from pipeline.diarize.resegment import block_labels  # noqa: E402
from pipeline.references import read_rttm  # noqa: E402

SALES = ROOT.parent / "shared" / "real-speakers" / "gecko-sales-call"
CUTS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def recordings(cache: Path):
    out = []
    sources = real_sources() + conversations(cache)
    if SALES.exists():
        sources.append(("real/sales-call", SALES / "demo.mp3", read_rttm(SALES / "demo.rttm")))
    for name, path, turns in sources:
        out.append((name, path, turns))
        out.append((f"{name}+tel", degrade(path, "tel", cache / f"{name.replace('/', '_')}+tel"), turns))
    out += [(r.name, r.path, list(r.reference)) for r in sample_recordings()]
    return out


def block_stats(diarizer, name: str, path: Path, cache: Path):
    target = cache / f"{name.replace('/', '_')}.blocks.pkl"
    if target.exists():
        return pickle.loads(target.read_bytes())
    diarizer.diarize(load_audio(path))
    stats = diarizer.pipeline.block_stats
    target.write_bytes(pickle.dumps(stats))
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/podscribe-mixed"))
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    from pipeline.config import DiarizationOptions
    from pipeline.diarize.pyannote_backend import PyannoteDiarizer
    from pipeline.diarize.shared_frames import dense_embedder, embedding_net

    diarizer = PyannoteDiarizer(DiarizationOptions())
    embed = dense_embedder(embedding_net(diarizer.pipeline))
    rows = []
    for name, path, turns in recordings(args.cache):
        stats = block_stats(diarizer, name, path, args.cache)
        if stats is None:  # no speech the segmentation kept (ami/trn01)
            continue
        people = sorted({t.speaker for t in turns})
        cases = [(p, {p}) for p in people] + [(f"{a}+{b}", {a, b}) for a, b in itertools.combinations(people, 2)]
        for label, members in cases:
            merged = [replace(t, speaker="X") if t.speaker in members else t for t in turns]
            labels = block_labels(exclusive_view(merged), len(stats.count))
            pieces = speaker_pieces(labels, "X")
            if len(pieces) >= MIN_PIECES:
                distance = split_distance(piece_embeddings(stats, pieces, embed))
                kind = "merged" if len(members) > 1 else "single"
                rows.append((name, label, kind, len(pieces), distance))
                print(f"| {name} | {label} | {kind} | {len(pieces)} | {distance:.3f} |", flush=True)
    print("\n| cut | singles called mixed | merged pairs called mixed |\n|---:|---:|---:|")
    for cut in CUTS:
        singles = [r for r in rows if r[2] == "single"]
        merged = [r for r in rows if r[2] == "merged"]
        wrong = sum(r[4] > cut for r in singles)
        right = sum(r[4] > cut for r in merged)
        print(f"| {cut} | {wrong}/{len(singles)} | {right}/{len(merged)} |")


if __name__ == "__main__":
    main()
