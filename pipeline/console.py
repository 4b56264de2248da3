"""What the command line shows on stderr: the `podscribe` logger's lines, and a progress bar on a terminal.

Levels: warnings and errors always (`-q` shows only these); info (one line per file and per stage)
by default; debug (library diagnostics, tracebacks of failures) with `-v`/`--debug`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

LOGGER = "podscribe"
_HANDLER = "podscribe-console"
_console: Any = None  # a rich console while a progress bar is shown, so log lines print above it


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if record.levelno >= logging.ERROR:
            return f"error: {text}"
        return f"debug: {text}" if record.levelno <= logging.DEBUG else text


class _ConsoleHandler(logging.Handler):
    """Writes above the progress bar when one is shown, else to the current sys.stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            if _console is not None:
                _console.print(line, markup=False, highlight=False)
            else:
                print(line, file=sys.stderr, flush=True)
        except Exception:
            self.handleError(record)


def setup_logging(level: int) -> logging.Logger:
    """Route the `podscribe` logger to stderr at `level`; calling again replaces the handler."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(level)
    logger.propagate = False  # an application's own root handlers would print every line twice
    for old in [h for h in logger.handlers if h.get_name() == _HANDLER]:
        logger.removeHandler(old)
    handler = _ConsoleHandler()
    handler.set_name(_HANDLER)
    handler.setFormatter(_Formatter("%(message)s"))
    logger.addHandler(handler)
    return logger


def level_for(quiet: bool, verbose: bool) -> int:
    if verbose:
        return logging.DEBUG
    return logging.WARNING if quiet else logging.INFO


@contextmanager
def progress_bar() -> Iterator[Callable[[str, float], None] | None]:
    """A progress bar on a terminal; nothing (plain log lines only) in CI, batch logs and pipes."""
    global _console
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def update(stage: str, fraction: float) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=1.0)
        bar.update(tasks[stage], completed=min(1.0, fraction))

    with bar:
        _console = bar.console
        try:
            yield update
        finally:
            _console = None
