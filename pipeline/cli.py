"""`transcribe episode.mp3 [more files] [options]`: the command line over `pipeline.run`."""

from __future__ import annotations

import logging
import signal
import sys
import time
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .batch import Job, expand_inputs, read_manifest, summary
from .config import OUTPUT_FORMATS, Options, load
from .console import level_for, progress_bar, setup_logging
from .engine import Engine
from .errors import EXIT_INPUT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, ConfigError, InputError, PipelineError
from .evaluate import score, scores_from_dict, table
from .formats import write_files
from .formats.json_format import dump_json, read_transcript
from .gate import GateRequest
from .gate_cli import GateFiles, gate_command
from .memory import limit_malloc_arenas
from .references import read_references
from .report import render_report
from .run import FileReport, run

logger = logging.getLogger("podscribe")

app = typer.Typer(add_completion=False, rich_markup_mode=None, context_settings={"help_option_names": ["-h", "--help"]})


class Device(StrEnum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


ASR = "Speech recognition"
SPK = "Speakers"
OUT = "Output"
EVAL = "Scoring"
BATCH = "Batch"
GATE = "Accuracy gate (--gate)"


@app.command(
    help="Transcribe audio/video files into speaker-labelled transcripts (txt, json, srt, vtt, rttm, a review "
    "page html; docx on request).\n\n"
    "Exit codes: 0 all done or skipped, 1 some input failed (others still written), "
    "2 bad option/config/model/output location, 130 interrupted."
)
def transcribe(
    files: Annotated[
        list[str] | None,
        typer.Argument(
            help="Audio/video files (anything ffmpeg reads), folders (searched recursively) or quoted "
            "globs. A name starting with '-' needs './' or a preceding '--'.",
            show_default=False,
        ),
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            help="Batch list: one path per line, or CSV/JSONL with path, reference, num_speakers, "
            "min_speakers, max_speakers, language, channels.",
            rich_help_panel=BATCH,
        ),
    ] = None,
    summary_path: Annotated[
        Path | None,
        typer.Option(
            "--summary",
            help="Write a JSON summary of the run here (default with several inputs: "
            "<output-dir>/transcribe-summary.json).",
            rich_help_panel=BATCH,
        ),
    ] = None,
    ray: Annotated[
        bool,
        typer.Option(
            "--ray",
            help="Run the batch on Ray (`pip install 'podscribe[ray]'`): a local Ray on this machine, "
            "or the cluster named by --ray-address.",
            rich_help_panel=BATCH,
        ),
    ] = False,
    ray_address: Annotated[
        str | None,
        typer.Option(
            help="Ray cluster to join with --ray: auto, ray://host:10001 or host:6379. [default: a local Ray]",
            rich_help_panel=BATCH,
        ),
    ] = None,
    workers: Annotated[
        str | None,
        typer.Option(
            help="Ray actors: N, or MIN-MAX for an autoscaling pool. [default: 1-as many as fit]", rich_help_panel=BATCH
        ),
    ] = None,
    gpus_per_worker: Annotated[
        float,
        typer.Option(help="GPUs per Ray actor (0 on CPU; 0.5 puts two actors on one GPU).", rich_help_panel=BATCH),
    ] = 0.0,
    config: Annotated[
        Path | None, typer.Option("--config", help="TOML file (see configs/); flags override it.")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="Whisper model: base or tiny.en (bundled, offline), a CTranslate2 directory, or a hub "
            "name. [default: base]",
            rich_help_panel=ASR,
        ),
    ] = None,
    device: Annotated[
        Device | None,
        typer.Option(help="auto picks cuda when a GPU is visible. [default: auto]", rich_help_panel=ASR),
    ] = None,
    compute_type: Annotated[
        str | None,
        typer.Option(
            help="int8 (cpu default), float16 (cuda default), float32... [default: auto]", rich_help_panel=ASR
        ),
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="Language code such as en; default: detect.", rich_help_panel=ASR)
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(help="Batched inference over VAD chunks; 1 = sequential. [default: 8]", rich_help_panel=ASR),
    ] = None,
    beam_size: Annotated[int | None, typer.Option(help="Beam width. [default: 5]", rich_help_panel=ASR)] = None,
    initial_prompt: Annotated[
        str | None, typer.Option(help="Text that primes spelling and style.", rich_help_panel=ASR)
    ] = None,
    hotwords: Annotated[str | None, typer.Option(help="Names and terms to favour.", rich_help_panel=ASR)] = None,
    channels: Annotated[
        str | None,
        typer.Option(
            help="auto: a two-channel call (each side on its own channel) is split, anything else mixed; "
            "split: every channel its own speaker(s); mix: one downmix. [default: auto]",
            rich_help_panel=SPK,
        ),
    ] = None,
    diarize: Annotated[
        bool | None,
        typer.Option("--diarize/--no-diarize", help="Label speakers. [default: diarize]", rich_help_panel=SPK),
    ] = None,
    diarization_model: Annotated[
        str | None,
        typer.Option(
            help="bundled (offline), a hub pipeline name (needs HF_TOKEN), or a local pipeline directory. "
            "[default: bundled]",
            rich_help_panel=SPK,
        ),
    ] = None,
    num_speakers: Annotated[
        int | None, typer.Option(help="Exact number of speakers, when known.", rich_help_panel=SPK)
    ] = None,
    min_speakers: Annotated[int | None, typer.Option(help="At least this many speakers.", rich_help_panel=SPK)] = None,
    max_speakers: Annotated[int | None, typer.Option(help="At most this many speakers.", rich_help_panel=SPK)] = None,
    speaker_names: Annotated[
        str | None,
        typer.Option(
            help='auto: name speakers from the talk ("I\'m Ann", "thanks, Bob") and --voices; off: ids only. '
            "[default: auto]",
            rich_help_panel=SPK,
        ),
    ] = None,
    speaker_name: Annotated[
        list[str] | None,
        typer.Option(help="Name a speaker by hand, e.g. SPEAKER_01=Ann (repeat for more).", rich_help_panel=SPK),
    ] = None,
    cast: Annotated[
        str | None,
        typer.Option(
            help='The people in the recording: "Ann Lee (host), Bob Day" or a file with one name a line. '
            "Spelled right by ASR (hotwords), heard names matched to them; the host names the opening voice.",
            rich_help_panel=SPK,
        ),
    ] = None,
    voices: Annotated[
        str | None,
        typer.Option(
            help="Known voices: a folder of NAME.wav (or NAME/*.mp3) clips of 10-20 s, or a file from --save-voices.",
            rich_help_panel=SPK,
        ),
    ] = None,
    save_voices: Annotated[
        str | None,
        typer.Option(
            help="After the run, add the named speakers' voices to this file (for the next episode's --voices).",
            rich_help_panel=SPK,
        ),
    ] = None,
    output_dir: Annotated[
        str | None,
        typer.Option("--output-dir", "-o", help="Where outputs go; default: beside each input.", rich_help_panel=OUT),
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--output-format",
            "-f",
            help=f"Comma-separated: {','.join(OUTPUT_FORMATS)} or all. [default: all]",
            rich_help_panel=OUT,
        ),
    ] = None,
    overwrite: Annotated[
        bool | None,
        typer.Option(
            "--overwrite",
            help="Replace existing outputs (otherwise an input whose outputs exist is skipped).",
            rich_help_panel=OUT,
        ),
    ] = None,
    reference: Annotated[
        list[Path] | None,
        typer.Option(
            "--reference",
            "-r",
            help="Score against this reference (txt, stm, rttm, json; repeat to combine text and speaker "
            "times). Writes <name>.metrics.json and <name>.report.html.",
            rich_help_panel=EVAL,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only failures and errors.")] = False,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", "--debug", help="Also print tracebacks of failures and library diagnostics."),
    ] = False,
) -> None:
    setup_logging(level_for(quiet, verbose))
    formats = _formats(output_format)
    started = time.monotonic()
    try:
        jobs = _jobs(files or [], manifest, reference or [])
        options = load(
            config,
            input=dict(channels=channels),
            asr=dict(
                model=model,
                device=device.value if device else None,
                compute_type=compute_type,
                language=language,
                batch_size=batch_size,
                beam_size=beam_size,
                initial_prompt=initial_prompt,
                hotwords=hotwords,
            ),
            diarization=dict(
                enabled=diarize,
                model=diarization_model,
                num_speakers=num_speakers,
                min_speakers=min_speakers,
                max_speakers=max_speakers,
            ),
            output=dict(directory=output_dir, formats=formats, overwrite=overwrite),
            names=dict(
                mode=speaker_names, given=speaker_name or None, voices=voices, save_voices=save_voices, cast=cast
            ),
        )
        if (ray or ray_address) and options.names.save_voices:
            raise ConfigError("--save-voices collects voices in one process: run without --ray")
        if not (ray or ray_address) and (workers is not None or gpus_per_worker):
            raise ConfigError("--workers and --gpus-per-worker size the Ray actor pool: add --ray")
        if ray or ray_address:
            reports = _run_on_ray(jobs, options, ray_address or "local", workers, gpus_per_worker)
        else:
            with progress_bar() as progress:
                reports = run(jobs, options, make_engine=_engine_factory, progress=progress)
    except PipelineError as err:
        logger.error("%s", err)
        raise typer.Exit(err.exit_code) from None
    except KeyboardInterrupt:
        logger.warning("interrupted: finished files are kept, the file in progress left no output")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    for report in reports:
        if report.metrics is not None:
            _print_scores(report.source, report.metrics)
    _write_summary(reports, started, summary_path, options, len(jobs))
    raise typer.Exit(exit_code(reports))


def _jobs(files: list[str], manifest: Path | None, references: list[Path]) -> list[Job]:
    jobs = expand_inputs(files) + (read_manifest(manifest) if manifest else [])
    if not jobs:
        raise ConfigError("no input: pass audio files, folders with media files, or --manifest FILE")
    if references:
        if len(jobs) != 1:
            raise ConfigError("--reference applies to one input file; give per-file references in a --manifest")
        jobs = [replace(jobs[0], references=tuple(references))]
    return jobs


def _run_on_ray(jobs: list[Job], options: Options, address: str, workers: str | None, gpus: float) -> list[FileReport]:
    from .distributed import RayOptions, run_on_ray

    low, high = _pool_size(workers)
    if gpus < 0:
        raise ConfigError(f"--gpus-per-worker must be 0 or more, got {gpus:g}")
    return run_on_ray(jobs, options, RayOptions(address, low, high, gpus), make_engine=_engine_factory)


def _pool_size(value: str | None) -> tuple[int, int | None]:
    """`--workers 2` -> (2, 2); `--workers 1-4` -> (1, 4); none -> (1, as many as fit)."""
    if value is None:
        return 1, None
    low, _, high = value.partition("-")
    try:
        size = (int(low), int(high or low))
    except ValueError:
        raise ConfigError(f"--workers must be N or MIN-MAX, got {value!r}") from None
    if not 1 <= size[0] <= size[1]:
        raise ConfigError(f"--workers must be N or MIN-MAX with 1 <= MIN <= MAX, got {value!r}")
    return size


def _write_summary(reports: list[FileReport], started: float, path: Path | None, options: Options, count: int) -> None:
    if path is None and (count < 2 or options.output.directory is None):
        return
    target = path or Path(options.output.directory or ".") / "transcribe-summary.json"
    try:
        write_files({target: dump_json(summary(reports, started))}, overwrite=True)
        logger.info("summary: %s", target)
    except PipelineError as err:
        logger.error("%s", err)


def _print_scores(source: str, metrics: dict) -> None:
    print(f"{source}:")
    print(table(scores_from_dict(metrics)))


def _formats(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return OUTPUT_FORMATS if value.strip() == "all" else tuple(v.strip() for v in value.split(",") if v.strip())


def _engine_factory(options: Options) -> Engine:
    """Indirection so CLI tests can swap in an Engine built from fakes."""
    return Engine(options)


def exit_code(reports: list[FileReport]) -> int:
    return EXIT_INPUT_FAILED if any(r.status == "failed" for r in reports) else EXIT_OK


score_app = typer.Typer(
    add_completion=False, rich_markup_mode=None, context_settings={"help_option_names": ["-h", "--help"]}
)


@score_app.command(
    help="Score saved outputs (a podscribe .json) against a reference without re-running any model, or, with "
    "--gate, judge a run summary against limits and a baseline for CI.\n\n"
    "Exit codes: 0 scored / gate passed, 1 the gate found a regression, 2 missing or malformed transcript, "
    "reference, summary, baseline or limits file, an item without a reference, or outputs not writable."
)
def score_command(
    transcript: Annotated[Path | None, typer.Argument(help="A podscribe JSON output.", show_default=False)] = None,
    reference: Annotated[
        list[Path] | None,
        typer.Option("--reference", "-r", help="Reference file(s): txt, stm, rttm, json; repeat to combine."),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the metrics (or gate verdicts) as JSON here.")
    ] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write the HTML report here.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing --json/--html files.")] = False,
    gate: Annotated[
        Path | None,
        typer.Option("--gate", help="Gate a run summary (transcribe --summary FILE).", rich_help_panel=GATE),
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="An earlier summary to compare with.", rich_help_panel=GATE)
    ] = None,
    limits: Annotated[
        Path | None,
        typer.Option(
            "--limits", help="TOML limits: [defaults], [items.ID], [pooled], [tolerance].", rich_help_panel=GATE
        ),
    ] = None,
    suite: Annotated[
        str | None, typer.Option("--suite", help="The [suite.NAME] part of the limits file.", rich_help_panel=GATE)
    ] = None,
    tolerance: Annotated[
        list[str] | None,
        typer.Option(
            "--tolerance", help="METRIC=NUMBER: allowed worsening against the baseline (repeat).", rich_help_panel=GATE
        ),
    ] = None,
    hard: Annotated[
        bool,
        typer.Option(
            "--hard", help="WER: fail on the tolerance alone, without the significance test.", rich_help_panel=GATE
        ),
    ] = False,
    junit_out: Annotated[
        Path | None, typer.Option("--junit", help="Write JUnit XML here.", rich_help_panel=GATE)
    ] = None,
    markdown_out: Annotated[
        Path | None, typer.Option("--markdown", help="Write a Markdown summary here.", rich_help_panel=GATE)
    ] = None,
    update_baseline: Annotated[
        bool,
        typer.Option(
            "--update-baseline", help="Write --baseline anew where this run is no worse.", rich_help_panel=GATE
        ),
    ] = False,
) -> None:
    setup_logging(logging.INFO)
    if gate is not None:
        request = GateRequest(gate, baseline, limits, suite, tuple(tolerance or ()), hard, update_baseline)
        raise typer.Exit(gate_command(request, GateFiles(junit_out, markdown_out, json_out, overwrite)))
    if transcript is None or not reference:
        logger.error("pass a transcript and --reference FILE to score it, or --gate SUMMARY (see --help)")
        raise typer.Exit(EXIT_USAGE)
    _score_files(transcript, reference, json_out, html_out, overwrite)


def _score_files(
    transcript: Path, reference: list[Path], json_out: Path | None, html_out: Path | None, overwrite: bool
) -> None:
    try:
        hyp = read_transcript(transcript) if transcript.is_file() else _missing(transcript)
        ref = read_references(reference)
        scores = score(hyp, ref)
        files = {}
        if json_out:
            files[json_out] = dump_json(scores.to_dict())
        if html_out:
            files[html_out] = render_report(hyp, ref, scores)
        write_files(files, overwrite=overwrite)
    except PipelineError as err:
        logger.error("%s", err)
        raise typer.Exit(EXIT_USAGE) from None
    except Exception as err:  # values of the wrong type deep inside a file that parsed
        sources = " / ".join(map(str, [transcript, *reference]))
        reason = f"{type(err).__name__}: {err}"
        logger.error("%s: cannot be scored (%s); check that both are well-formed (see --help)", sources, reason)
        raise typer.Exit(EXIT_USAGE) from None
    print(table(scores))


def _missing(path: Path):
    raise InputError(f"{path}: transcript not found; pass the .json that transcribe wrote")


def score_main() -> None:
    score_app()


def main() -> None:
    # SIGTERM behaves like Ctrl-C: outputs are written by rename, so nothing partial stays behind.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # A parent may hand down a blocked signal mask (Ray's process spawner blocks SIGINT), which exec
    # keeps: Ctrl-C would then never arrive. An ignored SIGINT (nohup, `cmd &`) is the user's choice and stays.
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    limit_malloc_arenas()  # before any model loads or thread starts
    setup_logging(logging.INFO)
    try:
        app()
    except KeyboardInterrupt:
        logger.warning("interrupted: finished files are kept, the file in progress left no output")
        sys.exit(EXIT_INTERRUPTED)
