"""Batch inputs: files, directories (recursive), globs and manifests become Jobs; a summary JSON comes out.

Manifest formats (relative paths are taken from the manifest's folder):
- plain text: one path per line (`#` comments and blank lines ignored);
- CSV with a header row; JSONL with one object a line. Keys: path (required), reference (one path,
  or several joined by `;` in CSV / a list in JSONL), num_speakers, min_speakers, max_speakers, language,
  channels (auto, mix or split: overrides --channels for that file);
  for the accuracy gate (pipeline/gate): id (the item's name in reports) and limits such as max_wer, max_der,
  min_named_words (every `max_*` / `min_*` key of pipeline.gate.metrics), carried into the run summary.
"""

from __future__ import annotations

import csv
import glob
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .cast import parse_cast
from .config import CHANNEL_MODES
from .errors import ConfigError

MEDIA_EXTENSIONS = frozenset(
    [
        ".mp3",
        ".m4a",
        ".m4b",
        ".aac",
        ".wav",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".wma",
        ".aiff",
        ".aif",
        ".amr",
        ".mp4",
        ".m4v",
        ".mkv",
        ".webm",
        ".mov",
        ".avi",
        ".mpg",
        ".mpeg",
        ".ts",
    ]
)
MANIFEST_KEYS = (
    "path",
    "reference",
    "num_speakers",
    "min_speakers",
    "max_speakers",
    "language",
    "channels",
    "cast",
    "id",
)
GATE_LIMITS = (
    "max_wer",
    "max_cpwer",
    "max_der",
    "max_der_c0",
    "max_confusion",
    "max_speaker_error",
    "min_named_words",
    "min_names_right",
    "max_names_wrong",
)  # pipeline.gate.metrics checks the same


@dataclass(frozen=True)
class Job:
    source: Path
    relative: Path | None = None  # sub-path under an input directory: mirrored under --output-dir
    references: tuple[Path, ...] = ()
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    language: str | None = None
    channels: str | None = None  # auto | mix | split for this file; None: the options' (--channels)
    cast: str | None = None  # the manifest's `cast`: names (comma-separated) or a cast file, for this file only
    item: str | None = None  # the manifest's `id`: the gate's name for this recording
    limits: tuple[tuple[str, float], ...] = ()  # the manifest's gate limits, e.g. (("max_wer", 0.12),)


def expand_inputs(inputs: Sequence[str | Path]) -> list[Job]:
    """Files stay as given (a missing one fails later, with its name); folders and globs expand."""
    jobs: list[Job] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = [Job(f, relative=f.relative_to(path)) for f in _media_in(path)]
            jobs.extend(found or [Job(path)])  # an empty folder is reported, not silently skipped
        elif not path.exists() and glob.has_magic(str(item)):
            jobs.extend(Job(Path(f)) for f in sorted(glob.glob(str(item), recursive=True)) if Path(f).is_file())
        else:
            jobs.append(Job(path))
    return jobs


def _media_in(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in MEDIA_EXTENSIONS and not p.name.startswith(".")
    )


def read_manifest(path: Path) -> list[Job]:
    if not path.is_file():
        raise ConfigError(f"{path}: manifest not found; pass a text, CSV or JSONL file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: manifest is not UTF-8 text") from None
    suffix = path.suffix.lower()
    rows = (
        _csv_rows(text)
        if suffix == ".csv"
        else _jsonl_rows(text, path)
        if suffix in (".jsonl", ".ndjson")
        else _lines(text)
    )
    return [_job(row, path, number) for number, row in rows]


def _lines(text: str) -> Iterable[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, {"path": line.strip()}


def _csv_rows(text: str) -> Iterable[tuple[int, dict[str, Any]]]:
    for number, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        yield number, {k.strip(): v.strip() for k, v in row.items() if k and v is not None and v.strip() != ""}


def _jsonl_rows(text: str, path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise ConfigError(f"{path}:{number}: not valid JSON ({err.msg})") from None
        if not isinstance(row, dict):
            raise ConfigError(f"{path}:{number}: each line must be a JSON object")
        yield number, row


def _job(row: dict[str, Any], manifest: Path, number: int) -> Job:
    where = f"{manifest}:{number}"
    unknown = set(row) - set(MANIFEST_KEYS) - set(GATE_LIMITS)
    if unknown:
        known = ", ".join((*MANIFEST_KEYS, *GATE_LIMITS))
        raise ConfigError(f"{where}: unknown column(s) {', '.join(sorted(unknown))}; known: {known}")
    if not row.get("path"):
        raise ConfigError(f"{where}: no path")
    base = manifest.parent
    refs = row.get("reference") or []
    refs = refs.split(";") if isinstance(refs, str) else refs
    return Job(
        source=base / str(row["path"]),
        references=tuple(base / str(r).strip() for r in refs if str(r).strip()),
        num_speakers=_count(row, "num_speakers", where),
        min_speakers=_count(row, "min_speakers", where),
        max_speakers=_count(row, "max_speakers", where),
        language=row.get("language") or None,
        channels=_channels(row, where),
        cast=_cast(row, base, where),
        item=str(row["id"]) if row.get("id") not in (None, "") else None,
        limits=tuple((key, _limit(row, key, where)) for key in GATE_LIMITS if row.get(key) not in (None, "")),
    )


def _channels(row: dict[str, Any], where: str) -> str | None:
    value = row.get("channels")
    if value in (None, ""):
        return None
    if value not in CHANNEL_MODES:
        raise ConfigError(f"{where}: channels must be one of {', '.join(CHANNEL_MODES)}, got {value!r}")
    return str(value)


def _limit(row: dict[str, Any], key: str, where: str) -> float:
    try:
        value = float(row[key])
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {key} must be a number, got {row[key]!r}") from None
    if not value >= 0:
        raise ConfigError(f"{where}: {key} must be 0 or more, got {row[key]!r}")
    return value


def _cast(row: dict[str, Any], base: Path, where: str) -> str | None:
    """A cast file is relative to the manifest; a list of names stays as written. Checked here, so a
    bad cast fails the manifest before any recording is decoded."""
    value = str(row.get("cast") or "").strip()
    if not value:
        return None
    spec = str(base / value) if "," not in value and (base / value).is_file() else value
    try:
        parse_cast(spec)
    except ConfigError as err:
        raise ConfigError(f"{where}: {err}") from None
    return spec


def _count(row: dict[str, Any], key: str, where: str) -> int | None:
    value = row.get(key)
    if value in (None, ""):
        return None
    try:
        count = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {key} must be a whole number, got {value!r}") from None
    if count < 1:
        raise ConfigError(f"{where}: {key} must be 1 or more, got {count}")
    return count


def summary(reports: Sequence[Any], started: float) -> dict[str, Any]:
    counts = {status: sum(1 for r in reports if r.status == status) for status in ("done", "skipped", "failed")}
    return {
        "schema_version": 1,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "wall_seconds": round(time.monotonic() - started, 2),
        "counts": counts,
        "files": [_entry(r) for r in reports],
    }


def _entry(report: Any) -> dict[str, Any]:
    entry = {**asdict(report), "rtf": report.rtf}
    entry["limits"] = dict(report.limits) if report.limits else None
    return entry
