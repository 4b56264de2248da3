"""Writers only format into a text stream; `write_files` owns paths, temp files and renames."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from ..errors import OutputError
from ..types import Transcript


class Writer:
    extension: str = ""

    def applies(self, transcript: Transcript) -> bool:
        """False when the format has nothing to say (e.g. RTTM without diarization)."""
        return True

    def write(self, transcript: Transcript, stream: TextIO) -> None:
        raise NotImplementedError

    def for_stem(self, stem: Path) -> Writer:
        """This writer for outputs named `stem` (the review page needs its folder to reach the audio)."""
        return self

    def render(self, transcript: Transcript) -> str | bytes:
        buffer = io.StringIO()
        self.write(transcript, buffer)
        return buffer.getvalue()


def output_path(stem: Path, extension: str) -> Path:
    """`<stem>.<extension>`: the one place output names are made (the stem may contain dots)."""
    return stem.with_name(f"{stem.name}.{extension}")


def render_all(transcript: Transcript, writers: Sequence[Writer], stem: Path) -> dict[Path, str | bytes]:
    """`{<stem>.<ext>: text}` for every writer that has something to say about this transcript."""
    return {
        output_path(stem, w.extension): w.for_stem(stem).render(transcript) for w in writers if w.applies(transcript)
    }


def write_files(files: Mapping[Path, str | bytes], overwrite: bool = False) -> list[Path]:
    """Write every file to a temp file beside its target, then rename them all.

    Nothing is renamed until every text is on disk, so a failure (a full disk, an interrupt) leaves
    no output at all for this input, and the user's existing files stay as they were.
    """
    targets = list(files)
    if not overwrite:
        for target in targets:
            if target.exists():
                raise OutputError(
                    f"{target}: already exists; pass --overwrite to replace it or choose another --output-dir"
                )
    temps: list[str] = []
    try:
        for target, text in files.items():
            temps.append(_write_temp(text, target))
        for temp, target in zip(temps, targets, strict=False):
            os.replace(temp, target)
    except OSError as err:
        where = targets[0].parent if targets else "."
        raise OutputError(
            f"{where}: cannot write outputs ({err.strerror or err}); free disk space or fix permissions"
        ) from None
    finally:
        for temp in temps:
            if os.path.exists(temp):
                os.unlink(temp)
    return targets


def _write_temp(text: str | bytes, target: Path) -> str:
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8") if isinstance(text, str) else text)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        os.unlink(temp)
        raise
    os.chmod(temp, 0o644)
    return temp
