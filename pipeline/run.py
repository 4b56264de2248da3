"""The batch flow: for each input, plan → decode → speaker transcript → write (→ score). Models load once.

Every exception while one input is handled is that input's failure (one line, the others go on);
only a model that cannot load, or an interrupt, ends the run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from .asr import pick_device
from .audio import load_audio
from .batch import Job
from .config import Options
from .engine import Engine, Progress
from .errors import ConfigError, ModelError, PipelineError, describe, loading
from .evaluate import score
from .formats import WRITERS, output_path, render_all, write_files
from .formats.json_format import dump_json, read_transcript
from .outputs import check_collisions, check_output_dir, output_stem, plan
from .references import read_references
from .report import render_report
from .types import Audio, SpeakerHints

logger = logging.getLogger("podscribe")


@dataclass(frozen=True)
class FileReport:
    """What happened to one input; the batch summary and the exit code are built from these."""

    source: str
    status: Literal["done", "skipped", "failed"]
    outputs: tuple[str, ...] = ()
    error: str | None = None  # why it was skipped or failed
    duration: float | None = None  # seconds of audio
    wall: float | None = None  # seconds spent
    metrics: dict[str, Any] | None = None  # scores against the reference, when one was given
    item: str | None = None  # the manifest's id for the accuracy gate
    limits: tuple[tuple[str, float], ...] = ()  # the manifest's gate limits

    @property
    def rtf(self) -> float | None:
        return round(self.wall / self.duration, 4) if self.wall and self.duration else None


def run(
    jobs: Sequence[Job],
    options: Options,
    make_engine: Callable[[Options], Engine] = Engine,
    progress: Progress | None = None,
) -> list[FileReport]:
    """Transcribe every job with one set of loaded models; one bad file never stops the rest.

    Output locations and the device are checked before the models load, so a usage error costs no time.
    """
    preflight(jobs, options)
    get_engine = LazyEngine(make_engine, options)  # a resumed run skips finished files in seconds
    reports = []
    for index, job in enumerate(jobs, start=1):
        logger.info("[%d/%d] %s", index, len(jobs), job.source)
        report = tagged(process(get_engine, options, job, progress), job)
        log_outcome(report)
        reports.append(report)
    if get_engine.engine is not None:
        get_engine.engine.save_voices()
    return reports


def tagged(report: FileReport, job: Job) -> FileReport:
    """The report with the manifest's gate fields (id, limits), which the summary carries to the gate."""
    return replace(report, item=job.item, limits=job.limits) if job.item or job.limits else report


def preflight(jobs: Sequence[Job], options: Options) -> None:
    """Usage errors found before any model loads or any file is read (exit 2)."""
    check_output_dir(options.output.directory)
    check_collisions(jobs, options.output.directory)
    check_device(options)
    voices = options.names.voices
    if voices and not Path(voices).exists():
        raise ConfigError(
            f"--voices {voices}: no such folder or file; give NAME.wav clips in a folder, or a voices file"
        )


def process(
    get_engine: Callable[[], Engine], options: Options, job: Job, progress: Progress | None = None
) -> FileReport:
    """One input, isolated: any exception while handling it becomes that file's failed report.

    Models load (through `get_engine`) only once an input has decoded, so a run whose inputs are
    all finished or broken never pays for loading them. A model that cannot load is not one file's
    problem: that error stops the run (exit 2). Ctrl-C and SIGTERM (KeyboardInterrupt) pass through.
    """
    started = time.monotonic()
    try:
        todo = plan(job, options)
        if todo.action == "skipped":
            return FileReport(str(job.source), "skipped", error=todo.reason, metrics=rescore(job, options))
        if todo.action != "work":
            return FileReport(str(job.source), todo.action, error=todo.reason)
        audio = load_audio(job.source, keep_channels=channels_mode(job, options) != "mix")
    except Exception as err:
        return failed(job, err)
    engine = get_engine()
    try:
        return _transcribe_and_write(engine, job, audio, todo.formats, started, progress)
    except ModelError:
        raise  # the diarization models load beside the first file's ASR; failing there fails every file
    except Exception as err:
        return failed(job, err)


def _transcribe_and_write(
    engine: Engine, job: Job, audio: Audio, formats: Sequence[str], started: float, progress: Progress | None
) -> FileReport:
    stem = output_stem(job, engine.options.output.directory)
    reference = read_references(job.references) if job.references else None
    logger.info("%s: %.1f s of audio decoded", job.source, audio.duration)
    transcript = engine.speaker_transcript(audio, job.language, _hints(job), progress, job.channels, job.cast)
    files = render_all(transcript, [WRITERS[fmt]() for fmt in formats], stem)
    metrics = None
    if reference is not None:
        scores = score(transcript, reference)
        metrics = scores.to_dict()
        files[output_path(stem, "metrics.json")] = dump_json(metrics)
        files[output_path(stem, "report.html")] = render_report(transcript, reference, scores)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = write_files(files, overwrite=engine.options.output.overwrite)
    wall = time.monotonic() - started
    outputs = tuple(map(str, written))
    return FileReport(str(job.source), "done", outputs, duration=audio.duration, wall=wall, metrics=metrics)


def rescore(job: Job, options: Options) -> dict[str, Any] | None:
    """A skipped input with a reference is scored again from the JSON it wrote (no model runs), so a
    resumed run's summary still carries every file's metrics for the accuracy gate."""
    saved = output_path(output_stem(job, options.output.directory), "json")
    if not job.references or not saved.is_file():
        return None
    return score(read_transcript(saved), read_references(job.references)).to_dict()


def channels_mode(job: Job, options: Options) -> str:
    """--channels for this file: the manifest's column, else the options'."""
    return job.channels or options.input.channels


def _hints(job: Job) -> SpeakerHints | None:
    hints = SpeakerHints(job.num_speakers, job.min_speakers, job.max_speakers)
    return hints if any(v is not None for v in (hints.num_speakers, hints.min_speakers, hints.max_speakers)) else None


def failed(job: Job, err: Exception) -> FileReport:
    """The one line a user sees for a file that failed: what went wrong and, when known, the fix."""
    if not isinstance(err, PipelineError):
        logger.debug("%s: traceback", job.source, exc_info=err)
    return FileReport(str(job.source), "failed", error=explain(err))


def explain(err: Exception) -> str:
    if isinstance(err, PipelineError):
        return str(err)
    detail = describe(err)
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


class LazyEngine:
    def __init__(self, make: Callable[[Options], Engine], options: Options) -> None:
        self.make, self.options = make, options
        self.engine: Engine | None = None

    def __call__(self) -> Engine:
        if self.engine is None:
            with loading("models"):
                self.engine = self.make(self.options)
        return self.engine


def check_device(options: Options) -> None:
    """`--device cuda` on a machine without usable CUDA fails here, before any file is touched."""
    if options.asr.device != "cuda":
        return
    pick_device("cuda", options.asr.compute_type)
    if options.diarization.enabled:
        from .diarize.pyannote_backend import torch_device

        torch_device("cuda")


def log_outcome(report: FileReport) -> None:
    if report.status == "done":
        outputs = ", ".join(report.outputs)
        logger.info("%s: done in %.1f s (RTF %.3f) -> %s", report.source, report.wall, report.rtf or 0.0, outputs)
    elif report.status == "skipped":
        logger.info("%s: skipped: %s", report.source, report.error)
    else:
        logger.warning("%s: failed: %s", report.source, report.error)
