"""The flow: decode → transcribe → diarize → align → write. Models load once per run."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__
from .align import align
from .asr import FasterWhisperTranscriber, Transcriber
from .audio import load_audio
from .config import Options, as_dict
from .diarize import Diarizer, make_diarizer
from .errors import OutputError, PipelineError
from .evaluate import score
from .formats import WRITERS, render_all, write_files
from .formats.json_format import dump_json
from .references import Reference
from .report import render_report
from .types import Audio, Transcript

Log = Callable[[str], None]


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
        return self.wall / self.duration if self.wall and self.duration else None


class Engine:
    """Holds the loaded models. Pass fakes for tests; by default the real backends are built."""

    def __init__(self, options: Options, transcriber: Transcriber | None = None, diarizer: Diarizer | None = None) -> None:
        self.options = options
        self.transcriber = transcriber or FasterWhisperTranscriber(options.asr)
        self.diarizer = diarizer
        if diarizer is None and options.diarization.enabled:
            device = getattr(self.transcriber, "device", "cpu")
            self.diarizer = make_diarizer(options.diarization, device=device)

    def transcribe(self, audio: Audio, log: Log | None = None) -> Transcript:
        asr = self.transcriber.transcribe(audio)
        diarization = self.diarizer.diarize(audio) if self.diarizer else None
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
            "diarization": {"backend": self.diarizer.name, **_versions("pyannote.audio", "torch")} if self.diarizer else None,
            "device": getattr(self.transcriber, "device", None),
            "compute_type": getattr(self.transcriber, "compute_type", None),
            "options": as_dict(self.options),
        }


def _versions(*packages: str) -> dict[str, str]:
    found = {}
    for name in packages:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def output_stem(source: Path, directory: str | None) -> Path:
    """`<dir>/<input name without extension>`; beside the input when no directory is given."""
    parent = Path(directory) if directory else source.parent
    return parent / source.stem


def outputs_fresh(source: Path, stem: Path, formats: Sequence[str]) -> bool:
    """True when every output exists and is newer than the input: the file was already done."""
    targets = [stem.with_name(f"{stem.name}.{fmt}") for fmt in formats if fmt != "rttm"]
    try:
        newest_input = source.stat().st_mtime
        return all(t.exists() and t.stat().st_mtime >= newest_input for t in targets)
    except OSError:
        return False


def process(engine: Engine, source: Path, log: Log, reference: Reference | None = None) -> FileReport:
    """One input, isolated: any PipelineError becomes a failed report, never an exception."""
    out = engine.options.output
    stem = output_stem(source, out.directory)
    if not out.overwrite and outputs_fresh(source, stem, out.formats):
        return FileReport(str(source), "skipped", error="outputs exist and are newer than the input (--overwrite to redo)")
    started = time.monotonic()
    metrics = None
    try:
        audio = load_audio(source)
        log(f"{source}: {audio.duration:.1f} s of audio decoded")
        transcript = engine.transcribe(audio, log)
        files = render_all(transcript, [WRITERS[fmt]() for fmt in out.formats], stem)
        if reference is not None:
            scores = score(transcript, reference)
            metrics = scores.to_dict()
            files[stem.with_name(f"{stem.name}.metrics.json")] = dump_json(metrics)
            files[stem.with_name(f"{stem.name}.report.html")] = render_report(transcript, reference, scores)
        written = write_files(files, overwrite=out.overwrite)
    except PipelineError as err:
        return FileReport(str(source), "failed", error=str(err))
    wall = time.monotonic() - started
    return FileReport(str(source), "done", tuple(map(str, written)), duration=audio.duration, wall=wall, metrics=metrics)


def check_output_dir(directory: str | None) -> None:
    """Fail before loading models when the chosen output directory cannot be used."""
    if directory is None:
        return
    path = Path(directory)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: --output-dir is a file; pass a directory")
    path.mkdir(parents=True, exist_ok=True)
    probe = path / ".podscribe-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise OutputError(f"{path}: output directory is not writable ({err.strerror}); choose another --output-dir") from None


def run(
    sources: Sequence[Path],
    options: Options,
    engine: Engine | None = None,
    log: Log = print,
    references: dict[Path, Reference] | None = None,
) -> list[FileReport]:
    """Transcribe every source with one set of loaded models; one bad file never stops the rest."""
    check_output_dir(options.output.directory)
    engine = engine or Engine(options)
    reports = []
    for index, source in enumerate(sources, start=1):
        log(f"[{index}/{len(sources)}] {source}")
        report = process(engine, source, log, (references or {}).get(source))
        log(_summary_line(report))
        reports.append(report)
    return reports


def _summary_line(report: FileReport) -> str:
    if report.status == "done":
        return f"{report.source}: done in {report.wall:.1f} s (RTF {report.rtf:.3f}) -> {', '.join(report.outputs)}"
    return f"{report.source}: {report.status}: {report.error}"
