"""`transcribe-apply episode.json episode.edits.json`: the review page's edits into every output format.

All checks happen before anything is written: a file that does not fit is refused with one line and
exit 2. Outputs are written together (temp files, then renames); files whose text would not change are
left alone, so applying the same edits twice changes nothing.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

from .config import OUTPUT_FORMATS, OutputOptions
from .console import setup_logging
from .edits import Edits, EditsError, already_applied, apply, check_fits, parse
from .errors import EXIT_OK, EXIT_USAGE, ConfigError, InputError, PipelineError
from .formats import WRITERS, Writer, render_all, write_files
from .formats.html import HtmlWriter, audio_href
from .formats.json_format import read_transcript
from .types import Transcript

logger = logging.getLogger("podscribe")

app = typer.Typer(add_completion=False, rich_markup_mode=None, context_settings={"help_option_names": ["-h", "--help"]})


@app.command(
    help="Apply the edits saved from the review page (<stem>.edits.json) to a podscribe JSON transcript and "
    "write the corrected transcript in every format, replacing that stem's outputs; the edits are recorded "
    "in the JSON's provenance.\n\n"
    "Exit codes: 0 written (or already up to date), 2 missing or malformed transcript or edits file, edits "
    "that do not fit the transcript, a bad option, or outputs not writable (nothing is written)."
)
def apply_command(
    transcript: Annotated[Path, typer.Argument(help="The podscribe .json the review page was made from.")],
    edits: Annotated[Path, typer.Argument(help="The edits file the page saved.")],
    output_dir: Annotated[
        Path | None, typer.Option("--output-dir", "-o", help="Where outputs go; default: beside the transcript.")
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option("--output-format", "-f", help=f"Comma-separated: {','.join(OUTPUT_FORMATS)} or all."),
    ] = None,
) -> None:
    setup_logging(logging.INFO)
    try:
        formats = _formats(output_format)
        written, unchanged = apply_files(transcript, edits, output_dir, formats)
    except PipelineError as err:
        logger.error("%s", err)
        raise typer.Exit(EXIT_USAGE) from None
    for path in written:
        logger.info("wrote %s", path)
    if unchanged:
        logger.info("%d output(s) already up to date", len(unchanged))
    raise typer.Exit(EXIT_OK)


def apply_files(
    transcript_path: Path, edits_path: Path, output_dir: Path | None, formats: tuple[str, ...]
) -> tuple[list[Path], list[Path]]:
    """Check, apply, write: returns (written, already up to date)."""
    base = _read_transcript(transcript_path)
    edits = read_edits(edits_path)
    corrected = corrected_transcript(base, edits, edits_path)
    stem = (output_dir or transcript_path.parent) / _stem(transcript_path)
    if output_dir is not None and output_dir.exists() and not output_dir.is_dir():
        raise ConfigError(f"{output_dir}: --output-dir is a file; pass a directory")
    files = render_all(corrected, writers(formats, base, transcript_path, stem.parent), stem)
    changed = {path: text for path, text in files.items() if not _same(path, text)}
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = write_files(changed, overwrite=True)
    return written, [p for p in files if p not in changed]


def corrected_transcript(base: Transcript, edits: Edits, edits_path: Path) -> Transcript:
    if already_applied(edits, base):
        return base  # these edits made this very transcript: nothing to change
    try:
        check_fits(edits, base)
    except EditsError as err:
        hint = "save the edits again from the page written with this transcript"
        if edits.source and edits.source != Path(base.source).name:
            hint = f"these edits are for {edits.source}, not {Path(base.source).name}"
        raise InputError(f"{edits_path}: {err}; {hint}") from None
    return apply(edits, base)


def read_edits(path: Path) -> Edits:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: edits file not found; pass the .edits.json the review page saved") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(
            f"{path}: not an edits file ({type(err).__name__}: {err}); save it again from the page"
        ) from None
    try:
        return parse(data)
    except EditsError as err:
        raise InputError(f"{path}: {err}; see docs/review.md for the edits schema") from None


def writers(formats: tuple[str, ...], base: Transcript, transcript_path: Path, page_dir: Path) -> list[Writer]:
    """The writers to run; the review page is told where the audio is from where it will be written."""
    audio = Path(base.source)
    if not audio.exists():  # the JSON keeps the path as given; the audio usually sits beside it
        audio = transcript_path.parent / audio.name
    return [HtmlWriter(audio=audio_href(audio, page_dir)) if f == "html" else WRITERS[f]() for f in formats]


def _read_transcript(path: Path) -> Transcript:
    if not path.is_file():
        raise InputError(f"{path}: transcript not found; pass the .json that transcribe wrote")
    return read_transcript(path)


def _stem(path: Path) -> str:
    return path.name[: -len(".json")] if path.name.endswith(".json") else path.stem


def _same(path: Path, text: str | bytes) -> bool:
    try:
        return path.read_bytes() == (text.encode("utf-8") if isinstance(text, str) else text)
    except OSError:
        return False


def _formats(value: str | None) -> tuple[str, ...]:
    if value is None:
        return OutputOptions().formats
    if value.strip() == "all":
        return OUTPUT_FORMATS
    formats = tuple(v.strip() for v in value.split(",") if v.strip())
    unknown = [f for f in formats if f not in OUTPUT_FORMATS]
    if unknown or not formats:
        choices = ", ".join(OUTPUT_FORMATS)
        raise ConfigError(
            f"--output-format: unknown format(s) {', '.join(unknown) or '(none)'}; choose from {choices} or all"
        )
    return formats


def main() -> None:
    app()
