"""Writers, one module per format, found by name through WRITERS. `write_all` is atomic per input."""

from __future__ import annotations

from .base import Writer, render_all, write_all, write_files
from .json_format import JsonWriter
from .rttm import RttmWriter
from .srt import SrtWriter, VttWriter
from .txt import TxtWriter

WRITERS: dict[str, type[Writer]] = {w.extension: w for w in (TxtWriter, JsonWriter, SrtWriter, VttWriter, RttmWriter)}

__all__ = ["WRITERS", "Writer", "render_all", "write_all", "write_files"]
