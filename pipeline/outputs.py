"""Where outputs go and whether an input needs work: names, the skip/refuse rule, location checks.

Decided before any model work, so a usage error costs nothing and a resumed batch skips finished
files in seconds. Writing itself (temp file + rename, all or nothing) is `formats.write_files`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .batch import Job
from .config import Options, OutputOptions
from .errors import ConfigError, OutputError
from .formats import output_path


def output_stem(job: Job, directory: str | None) -> Path:
    """`<dir>/<sub-folder>/<input name without extension>`; beside the input when no directory is given."""
    if directory is None:
        return job.source.parent / job.source.stem
    sub = job.relative.parent if job.relative else Path()
    return Path(directory) / sub / job.source.stem


def expected_formats(options: Options) -> tuple[str, ...]:
    """The formats a run will write: RTTM only when speakers are found; the review page by default only
    with speakers (asked for by name, it is written without them too)."""
    formats = options.output.formats
    if options.diarization.enabled:
        return formats
    default = formats == OutputOptions().formats
    return tuple(f for f in formats if f != "rttm" and not (f == "html" and default))


@dataclass(frozen=True)
class Plan:
    """What to do with one input: work (writing `formats`), or skip / refuse it for `reason`."""

    action: Literal["work", "skipped", "failed"]
    formats: tuple[str, ...] = ()
    reason: str | None = None


def plan(job: Job, options: Options) -> Plan:
    """Skip a finished input; refuse one whose outputs would clobber older files; else list what to write.

    When some outputs exist (newer than the input) and others are missing, e.g. a format asked for
    later, only the missing ones are written and the existing ones are kept as they are.
    """
    formats = expected_formats(options)
    if options.output.overwrite:
        return Plan("work", formats)
    stem = output_stem(job, options.output.directory)
    source_time = job.source.stat().st_mtime if job.source.exists() else None
    existing = {f: output_path(stem, f) for f in formats if output_path(stem, f).exists()}
    stale = [path for path in existing.values() if source_time is not None and path.stat().st_mtime < source_time]
    if stale:
        return Plan(
            "failed", reason=f"{stale[0]}: already exists and is older than the input; pass --overwrite to replace it"
        )
    missing = tuple(f for f in formats if f not in existing)
    if not missing and source_time is not None:
        return Plan("skipped", reason="outputs exist and are newer than the input (--overwrite to redo)")
    return Plan("work", missing or formats)


def check_output_dir(directory: str | None) -> None:
    """Fail before loading models when the chosen output directory cannot be used."""
    if directory is None:
        return
    path = Path(directory)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: --output-dir is a file; pass a directory")
    probe = path / ".podscribe-write-test"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        reason = err.strerror or err
        raise OutputError(
            f"{path}: output directory cannot be created or written ({reason}); choose another --output-dir"
        ) from None


def check_collisions(jobs: Sequence[Job], directory: str | None) -> None:
    """Two inputs that would write the same output files are a usage error, found before any work."""
    seen: dict[Path, Path] = {}
    for job in jobs:
        stem = output_stem(job, directory)
        if stem in seen and seen[stem] != job.source:
            raise ConfigError(
                f"{seen[stem]} and {job.source} would both write {stem}.*; rename one or give them "
                "separate --output-dir runs"
            )
        seen[stem] = job.source
