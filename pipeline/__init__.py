"""podscribe: speaker-labelled transcripts of episodes, offline, with honest accuracy numbers.

Public API:
    from pipeline import Options, load_options, Engine, run, load_audio
"""

from __future__ import annotations

__version__ = "0.1.0"

from .audio import load_audio  # noqa: E402
from .config import Options  # noqa: E402
from .config import load as load_options  # noqa: E402
from .run import Engine, FileReport, run  # noqa: E402

__all__ = ["Engine", "FileReport", "Options", "__version__", "load_audio", "load_options", "run"]
