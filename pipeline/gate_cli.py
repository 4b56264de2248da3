"""`transcribe-score --gate`: run the gate, print its table, write its files, return the exit code."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .errors import EXIT_INPUT_FAILED, EXIT_OK, EXIT_USAGE, ConfigError, PipelineError
from .formats import write_files
from .formats.json_format import dump_json
from .gate import GateRequest, GateResult, run_gate

logger = logging.getLogger("podscribe")


@dataclass(frozen=True)
class GateFiles:
    junit: Path | None = None
    markdown: Path | None = None
    json: Path | None = None
    overwrite: bool = False  # replace existing report files (the baseline is rewritten when asked to update it)


def gate_command(request: GateRequest, files: GateFiles) -> int:
    """0 nothing regressed, 1 something did, 2 an input is missing or malformed (one line, no traceback)."""
    try:
        if request.update_baseline and request.baseline is None:
            raise ConfigError("--update-baseline needs --baseline FILE: the file to write")
        result = run_gate(request)
        reports = _files(result, files)
        write_files(reports, overwrite=files.overwrite)
        if result.baseline_document is not None and request.baseline is not None:
            write_files({request.baseline: dump_json(result.baseline_document)}, overwrite=True)
    except PipelineError as err:
        logger.error("%s", err)
        return EXIT_USAGE
    except (KeyError, TypeError, ValueError, AttributeError) as err:  # a well-formed JSON of the wrong shape
        logger.error(
            "%s: cannot be gated (%s: %s); pass the summary transcribe wrote", request.summary, type(err).__name__, err
        )
        return EXIT_USAGE
    print(result.table)
    for line in result.baseline_lines:
        logger.info("baseline %s", line)
    return EXIT_INPUT_FAILED if result.failed else EXIT_OK


def _files(result: GateResult, files: GateFiles) -> dict[Path, str]:
    wanted = {files.junit: result.junit(), files.markdown: result.markdown(), files.json: dump_json(result.as_json())}
    return {path: text for path, text in wanted.items() if path is not None}
