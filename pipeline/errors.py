"""Errors a user can act on. Each names the thing at fault and the fix; the CLI maps them to exit codes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

# Documented exit codes (README "Exit codes").
EXIT_OK = 0
EXIT_INPUT_FAILED = 1  # one or more inputs failed; the others were still written
EXIT_USAGE = 2  # bad option, config, model or output location: nothing was processed
EXIT_INTERRUPTED = 130  # Ctrl-C / SIGTERM: finished files are kept, nothing partial is left


def describe(err: BaseException) -> str:
    """`Type: first line of the message`, short enough for the one line a user sees."""
    text = str(err).strip()
    return f"{type(err).__name__}: {text.splitlines()[0][:300] if text else 'no message'}"


class PipelineError(Exception):
    """Base class: `str(err)` is the one line shown to the user."""

    exit_code = EXIT_INPUT_FAILED


class InputError(PipelineError):
    """An input file cannot be used (missing, empty, not audio, no audio stream...)."""


class ConfigError(PipelineError):
    """A bad option or config file value."""

    exit_code = EXIT_USAGE


class ModelError(PipelineError):
    """A model cannot be found or loaded."""

    exit_code = EXIT_USAGE


class OutputError(PipelineError):
    """Outputs cannot be written (directory missing or read-only, disk full, file exists)."""

    exit_code = EXIT_USAGE


@contextmanager
def loading(what: str) -> Iterator[None]:
    """Any failure inside that is not already one of ours becomes a ModelError naming `what` (exit 2),
    e.g. a CUDA runtime that fails to initialise; the traceback goes to the debug log."""
    try:
        yield
    except PipelineError:
        raise
    except Exception as err:
        logging.getLogger("podscribe").debug("%s: traceback", what, exc_info=err)
        raise ModelError(f"{what} failed to load ({describe(err)}); rerun with --debug for the traceback") from err
