"""Writers, one module per format, found by name through WRITERS; `write_files` writes them atomically."""

from __future__ import annotations

from .base import Writer, output_path, render_all, write_files
from .docx_format import DocxWriter
from .html import HtmlWriter
from .json_format import JsonWriter
from .rttm import RttmWriter
from .srt import SrtWriter
from .txt import TxtWriter
from .vtt import VttWriter

WRITERS: dict[str, type[Writer]] = {
    w.extension: w for w in (TxtWriter, JsonWriter, SrtWriter, VttWriter, RttmWriter, HtmlWriter, DocxWriter)
}

__all__ = ["WRITERS", "Writer", "output_path", "render_all", "write_files"]
