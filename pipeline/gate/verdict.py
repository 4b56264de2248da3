"""The verdicts: each item's metrics against its limits and against the baseline's same item.

A limit is hard: above it fails. Against a baseline, a metric regresses when it is worse by more than
its tolerance; for WER the change must also be significant (paired bootstrap over units), unless the
gate is run `hard`. A failed file, an item gone from the suite, or a metric no longer measured fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ..errors import ConfigError
from .bootstrap import Difference, comparable, paired_bootstrap
from .inputs import POOLED, Item, Limits
from .metrics import METRICS, Metric, Metrics, show, show_delta

Verdict = Literal["pass", "fail", "noise", "better"]


@dataclass(frozen=True)
class Check:
    item: str
    metric: str
    now: float | None
    baseline: float | None
    limit: float | None
    verdict: Verdict
    reason: str
    difference: Difference | None = None  # WER only, when the baseline is paired with it

    @property
    def delta(self) -> float | None:
        return None if self.now is None or self.baseline is None else self.now - self.baseline

    @property
    def failed(self) -> bool:
        return self.verdict == "fail"


@dataclass(frozen=True)
class Settings:
    tolerance: dict[str, float]  # per metric, over the defaults
    hard: bool = False  # WER: tolerance alone decides, no significance test


def gate(items: Sequence[Item], baseline: Sequence[Item] | None, limits: Limits, settings: Settings) -> list[Check]:
    _need_metrics(items)
    before = {i.id: i for i in baseline or ()}
    checks: list[Check] = []
    for item in items:
        if item.status == "failed":
            checks.append(Check(item.id, "run", None, None, None, "fail", f"the file failed: {item.error}"))
            continue
        checks.extend(_item_checks(item, before.get(item.id), limits.for_item(item), settings))
    if len(items) > 1 or limits.pooled:
        checks.extend(_item_checks(pooled(items, POOLED), _pooled_baseline(items, before), limits.pooled, settings))
    for gone in sorted(set(before) - {i.id for i in items}):
        checks.append(
            Check(
                gone,
                "run",
                None,
                None,
                None,
                "fail",
                "in the baseline but not in this run; run it, or update the baseline",
            )
        )
    return checks


def _need_metrics(items: Sequence[Item]) -> None:
    for item in items:
        if item.status != "failed" and not item.metrics:
            why = f"it was {item.status}" if item.status == "skipped" else "no reference was given"
            raise ConfigError(
                f"{item.source}: no metrics in the summary ({why}); give the item a reference in the manifest "
                "(reference column) and run it again"
            )


def _item_checks(item: Item, base: Item | None, limits: dict[str, float], settings: Settings) -> list[Check]:
    assert item.metrics is not None
    checks = []
    for metric in METRICS:
        now = metric.value(item.metrics)
        before = metric.value(base.metrics) if base and base.metrics else None
        limit = limits.get(metric.limit_key)
        if now is None and before is None:
            if limit is not None:
                checks.append(
                    Check(
                        item.id,
                        metric.name,
                        None,
                        None,
                        limit,
                        "fail",
                        "not measured (does the reference have speakers?)",
                    )
                )
            continue
        checks.append(_check(item, base, metric, now, before, limit, settings))
    return checks


def _check(
    item: Item,
    base: Item | None,
    metric: Metric,
    now: float | None,
    before: float | None,
    limit: float | None,
    settings: Settings,
) -> Check:
    check = Check(item.id, metric.name, now, before, limit, "pass", "")
    if now is None:
        return replace(check, verdict="fail", reason="measured in the baseline, not in this run")
    if limit is not None and metric.worse(now, limit) > 1e-12:
        return replace(check, verdict="fail", reason=f"{show(metric, now)} is past the limit {show(metric, limit)}")
    if before is None:
        return replace(check, reason="within the limit" if limit is not None else "no baseline or limit")
    return _against_baseline(check, item, base, metric, now, before, settings)


def _against_baseline(
    check: Check, item: Item, base: Item | None, metric: Metric, now: float, before: float, settings: Settings
) -> Check:
    tolerance = settings.tolerance.get(metric.name, metric.tolerance)
    worse = metric.worse(now, before)
    difference = _bootstrap(item, base) if metric.name == "wer" else None
    check = replace(check, difference=difference)
    if worse < -max(tolerance, 1e-12):
        return replace(check, verdict="better", reason=f"better by {show_delta(metric, -worse).lstrip('+')}")
    if worse <= tolerance + 1e-12:
        return replace(check, reason=f"within the tolerance {show_delta(metric, tolerance).lstrip('+')}")
    change = f"worse by {show_delta(metric, worse).lstrip('+')} (tolerance {show_delta(metric, tolerance).lstrip('+')})"
    if difference is None or settings.hard:
        return replace(check, verdict="fail", reason=change)
    interval = f"95 % interval {show_delta(metric, difference.low)} .. {show_delta(metric, difference.high)}"
    if difference.low > 0:
        return replace(check, verdict="fail", reason=f"{change}, significant: {interval}")
    return replace(check, verdict="noise", reason=f"{change}, not significant: {interval}")


def _bootstrap(item: Item, base: Item | None) -> Difference | None:
    if not base or not base.metrics or not item.metrics:
        return None
    now, before = _units(item.metrics), _units(base.metrics)
    return paired_bootstrap(now, before) if comparable(now, before) else None


def _units(metrics: Metrics) -> list[list[int]]:
    return [list(u) for u in (metrics.get("wer") or {}).get("units") or ()]


def _pooled_baseline(items: Sequence[Item], before: dict[str, Item]) -> Item | None:
    """The baseline pooled over the same items as this run, so the two pools compare like with like."""
    shared = [before[i.id] for i in items if i.id in before and i.status != "failed"]
    return pooled(shared, POOLED) if shared and len(shared) == sum(i.status != "failed" for i in items) else None


def pooled(items: Sequence[Item], ident: str) -> Item:
    """One item whose counts are the sums of the items' counts (WER over all words, DER over all speech)."""
    scored = [i.metrics for i in items if i.metrics]
    metrics: Metrics = {"der": _pooled_der(scored)}
    wers = [m["wer"] for m in scored if m.get("wer")]
    if wers:
        errors = sum(w["substitutions"] + w["deletions"] + w["insertions"] for w in wers)
        words = sum(w["reference_words"] for w in wers)
        units = [u for w in wers for u in w.get("units") or ()] if all(w.get("units") for w in wers) else []
        metrics["wer"] = {"wer": errors / max(words, 1), "units": units}
    cps = [m["cpwer"] for m in scored if m.get("cpwer")]
    if cps:
        metrics["cpwer"] = {"cpwer": sum(c["errors"] for c in cps) / max(1, sum(c["reference_words"] for c in cps))}
    counted = [m for m in scored if m.get("speakers_found") is not None and m.get("speakers_reference") is not None]
    if counted:  # the pooled speaker error is the sum of each item's |found - true|
        metrics["speakers_found"] = sum(abs(m["speakers_found"] - m["speakers_reference"]) for m in counted)
        metrics["speakers_reference"] = 0
    names = [m["names"] for m in scored if m.get("names")]
    if names:
        metrics["names"] = {"correct": sum(n["correct"] for n in names), "wrong": sum(n["wrong"] for n in names)}
    return Item(ident, ident, "done", metrics)


def _pooled_der(scored: Sequence[Metrics]) -> list[dict[str, float]]:
    out = []
    for collar in (0.0, 0.5):
        parts = [d for m in scored for d in m.get("der") or () if abs(float(d["collar"]) - collar) < 1e-9]
        total = sum(d["total"] for d in parts)
        if parts and total > 0:
            errors = sum(d["missed"] + d["false_alarm"] + d["confusion"] for d in parts)
            confusion = sum(d["confusion"] for d in parts)
            out.append({"collar": collar, "der": errors / total, "confusion": confusion, "total": total})
    return out
