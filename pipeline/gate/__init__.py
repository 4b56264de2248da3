"""The accuracy gate for CI: a run summary against limits and a baseline, verdicts and an exit code.

    transcribe --manifest suite.csv -o out --summary out/summary.json
    transcribe-score --gate out/summary.json --baseline baseline.json --junit junit.xml --markdown summary.md

`run_gate` is that second command without the CLI: read, judge, report. Exit 0 when nothing regressed,
1 when something did; a missing or malformed input is a ConfigError (exit 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .baseline import updated
from .inputs import Item, Limits, parse_tolerances, read_limits, read_summary
from .report import as_json, junit, markdown, table
from .verdict import Check, Settings, gate

__all__ = [
    "GateRequest",
    "GateResult",
    "Item",
    "Limits",
    "gate",
    "parse_tolerances",
    "read_limits",
    "read_summary",
    "run_gate",
]


@dataclass(frozen=True)
class GateRequest:
    summary: Path
    baseline: Path | None = None
    limits: Path | None = None
    suite: str | None = None  # the [suite.NAME] part of the limits file
    tolerance: tuple[str, ...] = ()  # METRIC=NUMBER
    hard: bool = False
    update_baseline: bool = False


@dataclass(frozen=True)
class GateResult:
    checks: tuple[Check, ...]
    table: str
    baseline_document: dict[str, Any] | None = None  # the baseline to write, with --update-baseline
    baseline_lines: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return any(c.failed for c in self.checks)

    def junit(self) -> str:
        return junit(self.checks)

    def markdown(self) -> str:
        return markdown(self.checks)

    def as_json(self) -> dict[str, Any]:
        return as_json(self.checks)


def run_gate(request: GateRequest) -> GateResult:
    items = read_summary(request.summary)
    limits = read_limits(request.limits, request.suite)
    baseline = _baseline(request)
    settings = Settings({**limits.tolerance, **parse_tolerances(list(request.tolerance))}, request.hard)
    checks = tuple(gate(items, baseline, limits, settings))
    document, lines = updated(items, baseline, checks) if request.update_baseline else (None, [])
    return GateResult(checks, table(checks), document, tuple(lines))


def _baseline(request: GateRequest) -> Sequence[Item] | None:
    path = request.baseline
    if path is None:
        return None
    if request.update_baseline and not path.exists():
        return None  # the first run makes the baseline
    return read_summary(path, "baseline")
