"""The gate's inputs, read and checked: a run summary (what `transcribe --summary` writes), an optional
baseline (an earlier summary) and optional limits (a TOML file; manifest columns travel in the summary).
Anything missing or malformed is a ConfigError naming the file and the fix (exit 2)."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import ConfigError
from .metrics import BY_LIMIT, BY_NAME, Metrics

POOLED = "(all)"  # the item that pools every item's counts


@dataclass(frozen=True)
class Item:
    """One recording of the suite as a summary saw it."""

    id: str
    source: str
    status: str
    metrics: Metrics | None
    limits: dict[str, float] = field(default_factory=dict)  # from the manifest row
    error: str | None = None
    entry: dict[str, Any] = field(default_factory=dict, compare=False)  # the summary's row as read


@dataclass(frozen=True)
class Limits:
    """What a limits file says: limits for every item, per item, for the pooled item; tolerances."""

    defaults: dict[str, float] = field(default_factory=dict)
    items: dict[str, dict[str, float]] = field(default_factory=dict)
    pooled: dict[str, float] = field(default_factory=dict)
    tolerance: dict[str, float] = field(default_factory=dict)

    def for_item(self, item: Item) -> dict[str, float]:
        """Precedence: the file's table for this item, then the manifest's columns, then the file's defaults."""
        return {**self.defaults, **item.limits, **self.items.get(item.id, {})}


def read_summary(path: Path, what: str = "summary") -> list[Item]:
    data = _json(path, what)
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, dict) and "source" in f for f in files):
        raise ConfigError(f"{path}: not a run summary (no 'files' list); pass what `transcribe --summary` wrote")
    ids = item_ids([str(f["source"]) for f in files], [f.get("item") for f in files])
    items = [_item(f, ident, path) for f, ident in zip(files, ids, strict=True)]
    seen = [i.id for i in items]
    if len(set(seen)) != len(seen):
        twice = sorted({s for s in seen if seen.count(s) > 1})
        raise ConfigError(f"{path}: item {twice[0]!r} appears twice; give each row its own `id` in the manifest")
    return items


def _item(entry: dict[str, Any], ident: str, path: Path) -> Item:
    metrics = entry.get("metrics")
    if metrics is not None and not isinstance(metrics, dict):
        raise ConfigError(f"{path}: {entry['source']}: 'metrics' is not an object")
    limits = entry.get("limits") or {}
    return Item(
        ident,
        str(entry["source"]),
        str(entry.get("status", "")),
        metrics,
        _limits(limits, path),
        entry.get("error"),
        entry,
    )


def item_ids(sources: list[str], given: list[Any]) -> list[str]:
    """A manifest's `id`, else the path below the sources' common folder, without its extension: the
    same names for the same suite wherever it was checked out."""
    paths = [PurePosixPath(s.replace("\\", "/")) for s in sources]
    parents = [p.parent.parts for p in paths]
    common = 0
    while parents and all(len(p) > common and p[common] == parents[0][common] for p in parents):
        common += 1
    out = []
    for path, ident in zip(paths, given, strict=True):
        rest = PurePosixPath(*path.parts[common:]) if len(path.parts) > common else PurePosixPath(path.name)
        out.append(str(ident) if ident else str(rest.with_suffix("")))
    return out


def read_limits(path: Path | None, suite: str | None = None) -> Limits:
    """A limits file; `suite` picks its [suite.NAME] part (one file for several suites, as the project's own)."""
    if path is None:
        return Limits()
    if not path.is_file():
        raise ConfigError(f"{path}: limits file not found; pass a TOML file (see docs/ci.md)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from None
    if suite is not None:
        suites = data.get("suite", {})
        if suite not in suites:
            raise ConfigError(f"{path}: no [suite.{suite}]; suites here: {', '.join(suites) or 'none'}")
        data = {k: v for k, v in suites[suite].items() if k in ("defaults", "items", "pooled", "tolerance")}
    elif "suite" in data:
        raise ConfigError(f"{path}: holds [suite.NAME] parts; pick one with --suite NAME")
    unknown = set(data) - {"defaults", "items", "pooled", "tolerance"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown table(s) {', '.join(sorted(unknown))}; known: defaults, items, pooled, tolerance"
        )
    items = data.get("items", {})
    if not isinstance(items, dict) or not all(isinstance(v, dict) for v in items.values()):
        raise ConfigError(f"{path}: [items.NAME] tables expected")
    return Limits(
        _limits(data.get("defaults", {}), path),
        {name: _limits(table, path, name) for name, table in items.items()},
        _limits(data.get("pooled", {}), path, "pooled"),
        _tolerances(data.get("tolerance", {}), path),
    )


def _limits(table: Any, path: Path, where: str = "") -> dict[str, float]:
    """Only the limit keys of a table (other keys, such as a suite's own `audio`, are not limits)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where or 'limits'} must be a table of limits")
    out = {}
    for key, value in table.items():
        if key.startswith(("max_", "min_")):
            if key not in BY_LIMIT:
                raise ConfigError(
                    f"{path}: {where + ': ' if where else ''}unknown limit {key!r}; known: {', '.join(BY_LIMIT)}"
                )
            out[key] = _number(value, key, path)
    return out


def _tolerances(table: Any, path: Path) -> dict[str, float]:
    if not isinstance(table, dict) or set(table) - set(BY_NAME):
        raise ConfigError(f"{path}: [tolerance] takes metric names: {', '.join(BY_NAME)}")
    return {key: _number(value, key, path) for key, value in table.items()}


def parse_tolerances(entries: list[str]) -> dict[str, float]:
    """`--tolerance wer=0.01` entries."""
    out = {}
    for entry in entries:
        name, _, value = entry.partition("=")
        if name.strip() not in BY_NAME or not value:
            raise ConfigError(f"--tolerance {entry!r}: expected METRIC=NUMBER, METRIC one of {', '.join(BY_NAME)}")
        out[name.strip()] = _number(value, name, Path("--tolerance"))
    return out


def _number(value: Any, key: str, path: Path) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{path}: {key} must be a number, got {value!r}") from None
    if number != number or number < 0:
        raise ConfigError(f"{path}: {key} must be a number of 0 or more, got {value!r}")
    return number


def _json(path: Path, what: str) -> Any:
    if not path.is_file():
        hint = " (create one with --update-baseline)" if what == "baseline" else ""
        raise ConfigError(f"{path}: {what} not found{hint}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: {what} is not valid JSON ({err})") from None
