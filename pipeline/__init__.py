"""podscribe: speaker-labelled transcripts of episodes, offline, with honest accuracy numbers.

Public API:
    from pipeline import Options, load_options, Engine, run, load_audio
"""

from __future__ import annotations

__version__ = "0.1.0"

from .audio import load_audio
from .config import Options
from .config import load as load_options
from .run import Engine, FileReport, run

__all__ = ["Engine", "FileReport", "Options", "__version__", "load_audio", "load_options", "run"]
