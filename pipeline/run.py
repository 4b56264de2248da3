"""The flow: decode → transcribe → diarize → align → write (→ score). Models load once per run."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__
from .align import align
from .asr import FasterWhisperTranscriber, Transcriber, pick_device
from .audio import load_audio
from .batch import Job
from .config import Options, as_dict
from .diarize import Diarizer, make_diarizer
from .errors import ConfigError, ModelError, OutputError, PipelineError
from .evaluate import score
from .formats import WRITERS, render_all, write_files
from .formats.json_format import dump_json
from .references import read_references
from .report import render_report
from .types import Audio, SpeakerHints, Transcript

logger = logging.getLogger("podscribe")
Log = Callable[[str], None]
Progress = Callable[[str, float], None]  # (stage, fraction done 0..1): drives a progress bar on a terminal


@dataclass(frozen=True)
class FileReport:
    """What happened to one input; the batch summary and the exit code are built from these."""

    source: str
    status: str  # done | skipped | failed
    outputs: tuple[str, ...] = ()
    error: str | None = None
    duration: float | None = None  # seconds of audio
    wall: float | None = None  # seconds spent
    metrics: dict[str, Any] | None = None  # scores against the reference, when one was given

    @property
    def rtf(self) -> float | None:
        return round(self.wall / self.duration, 4) if self.wall and self.duration else None


class Engine:
    """Holds the loaded models. Pass fakes for tests; by default the real backends are built."""

    def __init__(
        self, options: Options, transcriber: Transcriber | None = None, diarizer: Diarizer | None = None
    ) -> None:
        self.options = options
        self.transcriber = transcriber or FasterWhisperTranscriber(options.asr)
        self.diarizer = diarizer
        if diarizer is None and options.diarization.enabled:
            # Each backend resolves `auto` itself: CTranslate2 and torch may not see the same GPUs.
            self.diarizer = make_diarizer(options.diarization, device=options.asr.device)

    def transcribe(
        self, audio: Audio, job: Job | None = None, log: Log | None = None, progress: Progress | None = None
    ) -> Transcript:
        job = job or Job(Path(audio.source))
        started = time.monotonic()
        asr_progress = (lambda seconds: progress("speech recognition", seconds / audio.duration)) if progress else None
        asr = self.transcriber.transcribe(audio, language=job.language, progress=asr_progress)
        _note(log, f"{audio.source}: speech recognition {time.monotonic() - started:.1f} s, language {asr.language}")
        diarization = None
        if self.diarizer:
            started = time.monotonic()
            hints = SpeakerHints(job.num_speakers, job.min_speakers, job.max_speakers) if _has_hints(job) else None
            hook = (
                (lambda step, done, total: progress(f"diarization: {step}", done / max(1, total))) if progress else None
            )
            diarization = self.diarizer.diarize(audio, hints, hook)
            _note(
                log,
                f"{audio.source}: diarization {time.monotonic() - started:.1f} s, {len(diarization.speakers)} speakers",
            )
        return Transcript(
            source=audio.source,
            duration=audio.duration,
            language=asr.language,
            language_probability=asr.language_probability,
            utterances=align(asr.segments, diarization),
            segments=asr.segments,
            diarization=diarization,
            provenance=self.provenance(),
        )

    def provenance(self) -> dict[str, Any]:
        return {
            "tool": {"name": "podscribe", "version": __version__},
            "asr": {"backend": self.transcriber.name, **_versions("faster-whisper", "ctranslate2")},
            "diarization": {
                "backend": self.diarizer.name,
                "device": getattr(self.diarizer, "device", None),
                **_versions("pyannote.audio", "torch"),
            }
            if self.diarizer
            else None,
            "device": getattr(self.transcriber, "device", None),
            "compute_type": getattr(self.transcriber, "compute_type", None),
            "options": as_dict(self.options),
        }


def _has_hints(job: Job) -> bool:
    return any(v is not None for v in (job.num_speakers, job.min_speakers, job.max_speakers))


def _note(log: Log | None, message: str) -> None:
    if log:
        log(message)


def _versions(*packages: str) -> dict[str, str]:
    found = {}
    for name in packages:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def output_stem(job: Job, directory: str | None) -> Path:
    """`<dir>/<sub-folder>/<input name without extension>`; beside the input when no directory is given."""
    if directory is None:
        return job.source.parent / job.source.stem
    sub = job.relative.parent if job.relative else Path()
    return Path(directory) / sub / job.source.stem


def output_path(stem: Path, extension: str) -> Path:
    return stem.with_name(f"{stem.name}.{extension}")


def expected_formats(options: Options) -> tuple[str, ...]:
    """The formats a run will write: RTTM only when speakers are found."""
    return tuple(f for f in options.output.formats if f != "rttm" or options.diarization.enabled)


@dataclass(frozen=True)
class Plan:
    """What to do with one input before any model work: a decided report, or the formats to write."""

    report: FileReport | None = None
    formats: tuple[str, ...] = ()


def precheck(job: Job, options: Options) -> Plan:
    """Skip a finished input; refuse one whose outputs would clobber older files; else list what to write.

    Decided before any model work, so a resumed batch skips finished files in seconds. When some
    outputs exist (newer than the input) and others are missing, e.g. a format asked for later,
    only the missing ones are written and the existing ones are kept as they are.
    """
    formats = expected_formats(options)
    if options.output.overwrite:
        return Plan(formats=formats)
    stem = output_stem(job, options.output.directory)
    source_time = job.source.stat().st_mtime if job.source.exists() else None
    existing = {f: output_path(stem, f) for f in formats if output_path(stem, f).exists()}
    stale = [path for path in existing.values() if source_time is not None and path.stat().st_mtime < source_time]
    if stale:
        return Plan(
            FileReport(
                str(job.source),
                "failed",
                error=f"{stale[0]}: already exists and is older than the input; pass --overwrite to replace it",
            )
        )
    missing = tuple(f for f in formats if f not in existing)
    if not missing and source_time is not None:
        return Plan(
            FileReport(
                str(job.source), "skipped", error="outputs exist and are newer than the input (--overwrite to redo)"
            )
        )
    return Plan(formats=missing or formats)


def process(
    get_engine: Callable[[], Engine], options: Options, job: Job, log: Log, progress: Progress | None = None
) -> FileReport:
    """One input, isolated: any exception while handling it becomes that file's failed report.

    Models load (through `get_engine`) only once an input has decoded, so a run whose inputs are
    all finished or broken never pays for loading them. A model that cannot load is not one file's
    problem: that error stops the run (exit 2). Ctrl-C and SIGTERM (KeyboardInterrupt) pass through.
    """
    started = time.monotonic()
    try:
        plan = precheck(job, options)
        if plan.report is not None:
            return plan.report
        audio = load_audio(job.source)
    except Exception as err:
        return failed(job, err)
    engine = get_engine()
    try:
        return _transcribe_and_write(engine, job, audio, plan.formats, started, log, progress)
    except Exception as err:
        return failed(job, err)


def failed(job: Job, err: Exception) -> FileReport:
    """The one line a user sees for a file that failed: what went wrong and, when known, the fix."""
    if not isinstance(err, PipelineError):
        logger.debug("%s: traceback", job.source, exc_info=err)
    return FileReport(str(job.source), "failed", error=explain(err))


def explain(err: Exception) -> str:
    if isinstance(err, PipelineError):
        return str(err)
    detail = f"{type(err).__name__}: {_first_line(err)}"
    if isinstance(err, MemoryError):
        return f"out of memory ({detail}); close other programs, or use a smaller --model or --batch-size"
    if (
        "out of memory" in str(err).lower()
    ):  # torch.cuda.OutOfMemoryError, CTranslate2's "CUDA failed ... out of memory"
        return f"GPU out of memory ({detail}); lower --batch-size, use a smaller --model, or --device cpu"
    if isinstance(err, OSError):  # e.g. creating a sub-folder on a full or read-only disk
        where = f"{err.filename}: " if err.filename else ""
        return f"{where}{err.strerror or detail}; free disk space or fix permissions"
    return f"unexpected error ({detail}); this is a bug: rerun with --debug for the traceback and report it"


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:300] if text else "no message"


class _LazyEngine:
    def __init__(self, make: Callable[[Options], Engine], options: Options) -> None:
        self.make, self.options = make, options
        self.engine: Engine | None = None

    def __call__(self) -> Engine:
        if self.engine is None:
            try:
                self.engine = self.make(self.options)
            except PipelineError:
                raise
            except Exception as err:  # e.g. a CUDA runtime that fails to initialise
                logger.debug("model loading: traceback", exc_info=err)
                raise ModelError(
                    f"models failed to load ({type(err).__name__}: {_first_line(err)}); rerun with "
                    "--debug for the traceback"
                ) from err
        return self.engine


def _transcribe_and_write(
    engine: Engine, job: Job, audio: Audio, formats: Sequence[str], started: float, log: Log, progress: Progress | None
) -> FileReport:
    out = engine.options.output
    stem = output_stem(job, out.directory)
    metrics = None
    reference = read_references(job.references) if job.references else None
    log(f"{job.source}: {audio.duration:.1f} s of audio decoded")
    transcript = engine.transcribe(audio, job, log, progress)
    files = render_all(transcript, [WRITERS[fmt]() for fmt in formats], stem)
    if reference is not None:
        scores = score(transcript, reference)
        metrics = scores.to_dict()
        files[output_path(stem, "metrics.json")] = dump_json(metrics)
        files[output_path(stem, "report.html")] = render_report(transcript, reference, scores)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = write_files(files, overwrite=out.overwrite)
    wall = time.monotonic() - started
    return FileReport(
        str(job.source), "done", tuple(map(str, written)), duration=audio.duration, wall=wall, metrics=metrics
    )


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
        raise OutputError(
            f"{path}: output directory cannot be created or written ({err.strerror or err}); choose "
            "another --output-dir"
        ) from None


def check_device(options: Options) -> None:
    """`--device cuda` on a machine without usable CUDA fails here, before any file is touched."""
    if options.asr.device != "cuda":
        return
    pick_device("cuda", options.asr.compute_type)
    if options.diarization.enabled:
        from .diarize.pyannote_backend import torch_device

        torch_device("cuda")


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


def run(
    jobs: Sequence[Job],
    options: Options,
    make_engine: Callable[[Options], Engine] = Engine,
    log: Log = print,
    progress: Progress | None = None,
) -> list[FileReport]:
    """Transcribe every job with one set of loaded models; one bad file never stops the rest.

    Output locations are checked before the models load, so a usage error costs no time.
    """
    check_output_dir(options.output.directory)
    check_collisions(jobs, options.output.directory)
    check_device(options)
    get_engine = _LazyEngine(make_engine, options)  # a resumed run skips finished files in seconds
    reports = []
    for index, job in enumerate(jobs, start=1):
        log(f"[{index}/{len(jobs)}] {job.source}")
        report = process(get_engine, options, job, log, progress)
        log(_summary_line(report))
        reports.append(report)
    return reports


def _summary_line(report: FileReport) -> str:
    if report.status == "done":
        return f"{report.source}: done in {report.wall:.1f} s (RTF {report.rtf:.3f}) -> {', '.join(report.outputs)}"
    return f"{report.source}: {report.status}: {report.error}"
