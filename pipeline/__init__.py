"""podscribe: speaker-labelled transcripts of episodes, offline, with honest accuracy numbers.

Public API:
    from pipeline import Options, load_options, Engine, run, load_audio
"""

from __future__ import annotations

from .audio import load_audio
from .config import Options
from .config import load as load_options
from .engine import Engine
from .run import FileReport, run
from .version import tool_version

__version__ = tool_version()

__all__ = ["Engine", "FileReport", "Options", "__version__", "load_audio", "load_options", "run"]
