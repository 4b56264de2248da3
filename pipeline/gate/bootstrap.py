"""Is a WER change real or noise? The paired bootstrap over units of the same reference (Bisani & Ney,
2004): resample the units with replacement, recompute both WERs on each resample, and read the 95 %
interval of their difference. Deterministic (fixed seed), so a verdict never flips between two runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Units = Sequence[Sequence[int]]  # (errors, reference words) per unit
RESAMPLES = 2000
SEED = 20041  # any fixed value: the same verdict for the same inputs


@dataclass(frozen=True)
class Difference:
    delta: float  # WER(now) - WER(baseline) on all units
    low: float  # 95 % interval of the difference
    high: float
    p_worse: float  # share of resamples on which now is not worse: a one-sided p-value for "worse"
    units: int

    @property
    def significant(self) -> bool:
        """Worse (or better) beyond the 95 % interval: the interval does not reach zero."""
        return self.low > 0 or self.high < 0


def comparable(now: Units, baseline: Units) -> bool:
    """Paired only when both were scored on the same reference words, unit for unit."""
    return len(now) == len(baseline) > 0 and all(a[1] == b[1] for a, b in zip(now, baseline, strict=True))


def paired_bootstrap(now: Units, baseline: Units, resamples: int = RESAMPLES) -> Difference:
    e_now = np.asarray([u[0] for u in now], dtype=np.float64)
    e_base = np.asarray([u[0] for u in baseline], dtype=np.float64)
    words = np.asarray([u[1] for u in now], dtype=np.float64)
    rng = np.random.default_rng(SEED)
    picks = rng.integers(0, len(words), size=(resamples, len(words)))  # (resamples, units)
    diffs = (e_now[picks].sum(axis=1) - e_base[picks].sum(axis=1)) / np.maximum(words[picks].sum(axis=1), 1.0)
    delta = float((e_now.sum() - e_base.sum()) / max(words.sum(), 1.0))
    low, high = np.percentile(diffs, [2.5, 97.5])
    return Difference(delta, float(low), float(high), float(np.mean(diffs <= 0)), len(words))
