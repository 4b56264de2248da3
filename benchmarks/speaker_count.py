"""Choose the speaker clustering by held-out evaluation on real recordings, voice-disjoint folds.

    python benchmarks/speaker_count.py [--cache DIR] [--variants clean,tel,mp3,noise] [--markdown]

Recordings and folds: benchmarks/heldout.py (no voice in two folds). Each family of clustering rules
(a distance cut with or without noise loosening, the eigengap count of pipeline/diarize/spectral.py,
the larger of the two) has a grid of settings. For each fold, the setting with the lowest mean DER
(collar 0.25) on the other folds is run on that fold: "held-out" pools those runs. "tuned-on" is the
setting chosen on all folds, scored on all of them (what a rule tuned on its own test looks like).
DER: pyannote.metrics, overlap scored, collar = total width. Segmentation and embeddings are computed
once per recording and kept in --cache; every row is kept in DIR/rows.jsonl, so a rerun only adds
what is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.devset import VARIANTS  # noqa: E402
from benchmarks.diarization_eval import memoise  # noqa: E402
from benchmarks.eigengap import CountRule, graph_clustering  # noqa: E402
from benchmarks.heldout import FOLDS, KINDS, Recording, recordings  # noqa: E402
from pipeline.audio import load_audio  # noqa: E402
from pipeline.config import DiarizationOptions  # noqa: E402
from pipeline.diarize import mixed  # noqa: E402
from pipeline.diarize.clustering import make_clustering  # noqa: E402
from pipeline.diarize.pyannote_backend import PyannoteDiarizer, bundled_parameters  # noqa: E402
from pipeline.evaluate import diarization_error_rate  # noqa: E402

COLLARS = (0.0, 0.25)
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)


@dataclass(frozen=True)
class Setting:
    family: str
    threshold: float
    rule: CountRule | None = None  # None: the cut alone
    noise: bool = True  # the cut loosens as the file's SNR falls
    split: bool = False  # split speakers that sound like two voices (diarize/mixed.py)

    @property
    def label(self) -> str:
        r = self.rule
        graph = f" keep {r.keep} min {r.min_windows} margin {r.margin}" if r is not None else ""
        split = f" split {mixed.SPLIT_DISTANCE}/{mixed.MIN_PIECES}/{mixed.MIN_SHARE}" if self.split else ""
        return f"{self.family}: cut {self.threshold}{graph}{split}"


def settings() -> list[Setting]:
    out = [Setting("cut", t, noise=False) for t in THRESHOLDS]
    out += [Setting("cut+noise", t) for t in THRESHOLDS]
    out += [Setting("cut+split", t, noise=False, split=True) for t in THRESHOLDS]
    out += [Setting("cut+noise+split", t, split=True) for t in THRESHOLDS]
    for method in ("eigengap", "more"):
        for keep in (0.2, 0.3, 0.4, 0.5):
            for min_windows in (10, 20, 40):
                for margin in (1.0, 1.5, 2.0, 3.0):
                    rule = CountRule(method=method, keep=keep, margin=margin, min_windows=min_windows)
                    out.append(Setting(f"{method}+noise", 0.7, rule))
    return out


def run(diarizer: PyannoteDiarizer, rec: Recording, setting: Setting) -> dict:
    audio = replace(load_audio(rec.path), source=rec.name.replace("/", "_"))  # its stem names the feature cache
    options = replace(DiarizationOptions(), threshold=setting.threshold, split_mixed=setting.split)
    diarizer.options = options
    clustering = make_clustering("adaptive", bundled_parameters(options)["clustering"])
    clustering.adapt_noise = setting.noise
    if setting.rule is not None:
        clustering = graph_clustering(clustering, setting.rule)
    diarizer.pipeline.clustering = clustering
    found = diarizer.diarize(audio)
    row: dict = {"recording": rec.name, "kind": rec.kind, "fold": rec.fold, "true": rec.speakers}
    row |= {"setting": setting.label, "family": setting.family, "found": len(found.speakers)}
    for collar in COLLARS:
        d = diarization_error_rate(rec.reference, found.turns, collar)
        row[f"c{collar:g}"] = {k: getattr(d, k) for k in ("missed", "false_alarm", "confusion", "total")}
    return row


def collect(cache: Path, variants: tuple[str, ...], grid: list[Setting]) -> list[dict]:
    store = cache / "rows.jsonl"
    rows = [json.loads(line) for line in store.read_text().splitlines()] if store.exists() else []
    done = {(r["recording"], r["setting"]) for r in rows}
    diarizer = PyannoteDiarizer(DiarizationOptions())
    memoise(diarizer.pipeline, cache / "features")
    wanted = {s.label for s in grid}
    for rec in recordings(cache / "audio", variants):
        todo = [s for s in grid if (rec.name, s.label) not in done]
        with store.open("a") as out:
            for setting in todo:
                row = run(diarizer, rec, setting)
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                rows.append(row)
        print(f"{rec.name}: {len(todo)} new rows", file=sys.stderr)
    names = {r.name for r in recordings(cache / "audio", variants)}
    return [r for r in rows if r["setting"] in wanted and r["recording"] in names]


def der(r: dict, collar: float) -> float:
    p = r[f"c{collar:g}"]
    return (p["missed"] + p["false_alarm"] + p["confusion"]) / max(p["total"], 1e-9)


def mean_der(rows: Sequence[dict]) -> float:
    return sum(der(r, 0.25) for r in rows) / max(len(rows), 1)


def choose(rows: list[dict], family: str, folds: Sequence[str]) -> str:
    """The family's setting with the lowest mean DER (collar 0.25) over `folds`."""
    by_setting: dict[str, list[dict]] = {}
    for r in rows:
        if r["family"] == family and r["fold"] in folds:
            by_setting.setdefault(r["setting"], []).append(r)
    return min(by_setting, key=lambda s: (mean_der(by_setting[s]), s))


def held_out(rows: list[dict], family: str) -> tuple[list[dict], dict[str, str]]:
    """Each fold's rows under the setting chosen on the other folds, and the choices."""
    picked = {f: choose(rows, family, [g for g in FOLDS if g != f]) for f in FOLDS}
    return [r for r in rows if r["family"] == family and r["setting"] == picked[r["fold"]]], picked


def summary(rows: Sequence[dict]) -> dict[str, float | str]:
    out: dict[str, float | str] = {"recordings": len(rows), "mean DER c0.25": mean_der(rows)}
    for collar in COLLARS:
        parts = {k: sum(r[f"c{collar:g}"][k] for r in rows) for k in ("missed", "false_alarm", "confusion", "total")}
        total = max(parts["total"], 1e-9)
        out[f"DER c{collar:g}"] = (parts["missed"] + parts["false_alarm"] + parts["confusion"]) / total
        if collar == 0.0:
            out |= {k: parts[k] / total for k in ("missed", "false_alarm", "confusion")}
    out["exact count"] = f"{sum(r['found'] == r['true'] for r in rows)}/{len(rows)}"
    calls = [r for r in rows if r["kind"] == "call"]
    out["calls found as 2"] = f"{sum(r['found'] == 2 for r in calls)}/{len(calls)}"
    return out


def table(title: str, lines: list[tuple[str, Sequence[dict]]], markdown: bool) -> None:
    heads = ["", "recordings", "DER c0", "DER c0.25", "mean DER c0.25", "missed", "false_alarm", "confusion"]
    heads += ["exact count", "calls found as 2"]
    print(f"\n{title}")
    print("| " + " | ".join(heads) + " |" if markdown else "  ".join(heads))
    if markdown:
        print("|" + "---|" * len(heads))
    for name, rows in lines:
        s = summary(rows)
        cells = [name] + [s[h] if isinstance(s[h], str) else f"{s[h]:.3f}" for h in heads[1:]]
        cells[1] = str(len(rows))
        print("| " + " | ".join(cells) + " |" if markdown else "  ".join(cells))


def report(rows: list[dict], markdown: bool, shown: str = "cut+noise+split") -> None:
    families = sorted({r["family"] for r in rows})
    default = Setting("cut+noise+split", 0.7, split=True).label  # the code's defaults
    lines: list[tuple[str, Sequence[dict]]] = [("default (cut 0.7 + noise + split)", by(rows, default))]
    choices = {}
    for family in families:
        held, picked = held_out(rows, family)
        everywhere = choose(rows, family, FOLDS)
        lines.append((f"{family}, held-out", held))
        lines.append((f"{family}, tuned-on", by(rows, everywhere)))
        choices[family] = (picked, everywhere)
    table("Families, pooled over all folds", lines, markdown)
    for family, (picked, everywhere) in choices.items():
        print(f"{family}: per held-out fold {picked}; on all folds {everywhere!r}", file=sys.stderr)
    for title, chosen in ((f"{shown}, held-out", held_out(rows, shown)[0]), ("the default", by(rows, default))):
        by_kind: list[tuple[str, Sequence[dict]]] = [(k, [r for r in chosen if r["kind"] == k]) for k in KINDS]
        by_kind += [(f"fold {f}", [r for r in chosen if r["fold"] == f]) for f in FOLDS]
        table(f"{title}, per kind and fold", by_kind, markdown)
    per_file(by(rows, default), markdown)


def by(rows: list[dict], setting: str) -> list[dict]:
    return [r for r in rows if r["setting"] == setting]


def per_file(rows: Sequence[dict], markdown: bool) -> None:
    print("\n| recording | setting | DER c0 | DER c0.25 | found/true |" if markdown else "")
    for r in sorted(rows, key=lambda r: r["recording"]):
        cells = [r["recording"], r["setting"], f"{der(r, 0.0):.3f}", f"{der(r, 0.25):.3f}", f"{r['found']}/{r['true']}"]
        print("| " + " | ".join(cells) + " |" if markdown else "  ".join(cells))


def main(argv: Sequence[str] | None = None, grid: Callable[[], list[Setting]] = settings) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/podscribe-heldout"))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--family", default="cut+noise+split", help="the family shown per kind (the default's)")
    args = parser.parse_args(argv)
    rows = collect(args.cache, tuple(args.variants.split(",")), grid())
    report(rows, args.markdown, args.family)


if __name__ == "__main__":
    main()
