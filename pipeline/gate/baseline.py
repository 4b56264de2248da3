"""`--update-baseline`: the new baseline takes this run's item where it is no worse than the baseline's,
and keeps the baseline's item where this run regressed, so a bad run never lowers the bar."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from .inputs import POOLED, Item
from .verdict import Check


def updated(
    items: Sequence[Item], baseline: Sequence[Item] | None, checks: Sequence[Check]
) -> tuple[dict[str, Any], list[str]]:
    """(the new baseline document, one line per item saying what happened to it)."""
    before = {i.id: i for i in baseline or ()}
    worse = {c.item for c in checks if c.verdict in ("fail", "noise") and c.item != POOLED}
    files, lines = [], []
    for item in items:
        old = before.get(item.id)
        if item.status == "failed" or (item.id in worse and old is not None):
            if old is not None:
                files.append({**old.entry, "item": item.id})
            lines.append(f"{item.id}: kept the baseline's figures ({_why(item, checks)})")
            continue
        files.append({**item.entry, "item": item.id})
        lines.append(f"{item.id}: {'updated' if old is not None else 'added'}{_changes(item, checks)}")
    for gone in sorted(set(before) - {i.id for i in items}):
        files.append({**before[gone].entry, "item": gone})
        lines.append(f"{gone}: kept (not in this run)")
    document = {
        "schema_version": 1,
        "kind": "podscribe gate baseline",
        "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "files": files,
    }
    return document, lines


def _why(item: Item, checks: Sequence[Check]) -> str:
    if item.status == "failed":
        return "the file failed"
    return "worse: " + ", ".join(
        sorted({c.metric for c in checks if c.item == item.id and c.verdict in ("fail", "noise")})
    )


def _changes(item: Item, checks: Sequence[Check]) -> str:
    moved = [c for c in checks if c.item == item.id and c.delta not in (None, 0.0)]
    if not moved:
        return ""
    return " (" + ", ".join(f"{c.metric} {c.baseline:.4g} -> {c.now:.4g}" for c in moved) + ")"
