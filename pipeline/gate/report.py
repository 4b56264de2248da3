"""The gate's verdicts as people and CI systems read them: a terminal table, JUnit XML (one test case
per item and metric), Markdown for a job summary page, and JSON."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from .metrics import BY_NAME, show, show_delta
from .verdict import Check

HEADER = ("item", "metric", "baseline", "now", "Δ", "limit", "verdict")
MARK = {"pass": "pass", "fail": "FAIL", "noise": "noise", "better": "better"}


def rows(checks: Sequence[Check]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for c in checks:
        metric = BY_NAME.get(c.metric)
        if metric is None:  # the run itself: a failed file, a missing item
            out.append((c.item, c.metric, "", "", "", "", MARK[c.verdict]))
            continue
        out.append(
            (
                c.item,
                c.metric,
                show(metric, c.baseline),
                show(metric, c.now),
                show_delta(metric, c.delta),
                show(metric, c.limit) if c.limit is not None else "",
                MARK[c.verdict],
            )
        )
    return out


def table(checks: Sequence[Check]) -> str:
    body = [HEADER, *rows(checks)]
    widths = [max(len(r[i]) for r in body) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in body]
    failures = [f"  {c.item} {c.metric}: {c.reason}" for c in checks if c.verdict in ("fail", "noise")]
    return "\n".join(lines + (["", *failures] if failures else []) + ["", verdict_line(checks)])


def verdict_line(checks: Sequence[Check]) -> str:
    failed = [c for c in checks if c.failed]
    noise = sum(c.verdict == "noise" for c in checks)
    tail = f"; {noise} change(s) within noise" if noise else ""
    if failed:
        return f"gate: FAILED, {len(failed)} of {len(checks)} checks regressed{tail}"
    return f"gate: passed, {len(checks)} checks{tail}"


def junit(checks: Sequence[Check], name: str = "podscribe accuracy gate") -> str:
    """JUnit XML as Jenkins, GitLab, GitHub test reporters and junitparser read it."""
    failures = sum(c.failed for c in checks)
    suites = ET.Element("testsuites", name=name, tests=str(len(checks)), failures=str(failures), errors="0")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=name,
        tests=str(len(checks)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time="0",
    )
    for c in checks:
        case = ET.SubElement(suite, "testcase", classname=f"gate.{c.item}", name=c.metric, time="0")
        text = _detail(c)
        if c.failed:
            failure = ET.SubElement(case, "failure", message=f"{c.item} {c.metric}: {c.reason}", type="regression")
            failure.text = text
        else:
            ET.SubElement(case, "system-out").text = text
    ET.SubElement(suite, "system-out").text = table(checks)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _detail(c: Check) -> str:
    metric = BY_NAME.get(c.metric)
    if metric is None:
        return c.reason
    parts = [f"now {show(metric, c.now)}", f"baseline {show(metric, c.baseline)}"]
    if c.limit is not None:
        parts.append(f"limit {show(metric, c.limit)}")
    return f"{', '.join(parts)}: {c.reason}" if c.reason else ", ".join(parts)


def markdown(checks: Sequence[Check]) -> str:
    """A summary for `$GITHUB_STEP_SUMMARY` or a merge-request note; failures first."""
    ordered = sorted(checks, key=lambda c: (not c.failed, c.verdict != "noise"))
    lines = [f"### {verdict_line(checks)}", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows(ordered):
        lines.append("| " + " | ".join(_md(cell) for cell in row[:-1]) + f" | {_badge(row[-1])} |")
    notes = [f"- **{_md(c.item)} {c.metric}**: {_md(c.reason)}" for c in ordered if c.verdict in ("fail", "noise")]
    return "\n".join(lines + (["", *notes] if notes else [])) + "\n"


def _badge(verdict: str) -> str:
    return {"FAIL": "❌ fail", "noise": "〰️ noise", "better": "✅ better", "pass": "✅ pass"}[verdict]


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_json(checks: Sequence[Check]) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "passed": not any(c.failed for c in checks),
        "checks": [_check_json(c) for c in checks],
    }


def _check_json(c: Check) -> dict[str, Any]:
    out: dict[str, Any] = {
        "item": c.item,
        "metric": c.metric,
        "baseline": c.baseline,
        "now": c.now,
        "delta": c.delta,
        "limit": c.limit,
        "verdict": c.verdict,
        "reason": c.reason,
    }
    if c.difference is not None:
        d = c.difference
        out["significance"] = {
            "delta": d.delta,
            "interval_95": [d.low, d.high],
            "p_not_worse": d.p_worse,
            "units": d.units,
            "significant": d.significant,
        }
    return out
