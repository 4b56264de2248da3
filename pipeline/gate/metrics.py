"""What the gate can check: each metric's name, which way is worse, its default tolerance, and where
its value sits in a file's saved metrics (`Scores.to_dict()`, as the run summary and metrics.json keep it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Metrics = dict[str, Any]


@dataclass(frozen=True)
class Metric:
    name: str
    higher_is_worse: bool
    tolerance: float  # a baseline comparison allows this much worse before it is a regression
    value: Callable[[Metrics], float | None]
    percent: bool = True  # shown as a percentage (a share), else as a count
    description: str = ""

    @property
    def limit_key(self) -> str:
        """The limit's name in a limits file or manifest column: max_wer, min_named_words..."""
        return ("max_" if self.higher_is_worse else "min_") + self.name

    def worse(self, a: float, b: float) -> float:
        """How much worse `a` is than `b` (negative: better)."""
        return a - b if self.higher_is_worse else b - a


def _get(*path: str | int) -> Callable[[Metrics], float | None]:
    def read(data: Metrics) -> float | None:
        node: Any = data
        for key in path:
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                return None
            if node is None:
                return None
        return float(node)

    return read


def _der(collar: float) -> Callable[[Metrics], float | None]:
    def read(data: Metrics) -> float | None:
        found = [d for d in data.get("der") or () if abs(float(d.get("collar", -1)) - collar) < 1e-9]
        return float(found[0]["der"]) if found else None

    return read


def _confusion(data: Metrics) -> float | None:
    found = [d for d in data.get("der") or () if abs(float(d.get("collar", -1))) < 1e-9]
    if not found or not found[0].get("total"):
        return None
    return float(found[0]["confusion"]) / float(found[0]["total"])


def _speaker_error(data: Metrics) -> float | None:
    found, true = data.get("speakers_found"), data.get("speakers_reference")
    return None if found is None or true is None else float(abs(found - true))


METRICS: tuple[Metric, ...] = (
    Metric("wer", True, 0.005, _get("wer", "wer"), description="word error rate"),
    Metric("cpwer", True, 0.01, _get("cpwer", "cpwer"), description="concatenated min-permutation WER"),
    Metric("der", True, 0.01, _der(0.5), description="DER, collar 0.5 s"),
    Metric("der_c0", True, 0.01, _der(0.0), description="DER, collar 0"),
    Metric("confusion", True, 0.01, _confusion, description="speaker confusion, share of speech (collar 0)"),
    Metric("speaker_error", True, 0.0, _speaker_error, False, "|speakers found - reference speakers|"),
    Metric("named_words", False, 0.02, _get("names", "words"), description="words under the right name"),
    Metric("names_right", False, 0.0, _get("names", "correct"), False, "speakers named right"),
    Metric("names_wrong", True, 0.0, _get("names", "wrong"), False, "speakers named wrongly"),
)
BY_NAME = {m.name: m for m in METRICS}
BY_LIMIT = {m.limit_key: m for m in METRICS}


def show(metric: Metric, value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2%}" if metric.percent else f"{value:g}"


def show_delta(metric: Metric, value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 100:+.2f} pt" if metric.percent else f"{value:+g}"
