"""The review page: one self-contained HTML file to listen to, check and correct a transcript.

Markup, style and script are package files under `review/`; this module only fills them in. The
transcript travels as JSON inside `<script type="application/json">` with `<`, `>` and `&` escaped, and
the script builds the page with textContent, so nothing from the transcript is ever parsed as markup.
A Content-Security-Policy allows only this page's own style and script (by hash) and local audio.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from ..edits import fingerprint, speakers_of
from ..types import Transcript
from .base import Writer

UNSURE = 0.5  # words Whisper gave a lower probability than this are marked for checking
_SLOT = re.compile(r"\{\{(\w+)\}\}")


@cache
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("review", name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class HtmlWriter(Writer):
    extension = "html"
    audio: str | None = None  # the audio's address relative to the page, when the caller knows it
    page_dir: Path | None = None  # else: the page's folder, to reach the transcript's source from

    def for_stem(self, stem: Path) -> HtmlWriter:
        return self if self.audio else HtmlWriter(page_dir=stem.parent)

    def write(self, transcript: Transcript, stream: TextIO) -> None:
        if self.audio is not None:
            href = self.audio
        elif self.page_dir is not None:
            href = audio_href(transcript.source, self.page_dir)
        else:
            href = _quote(Path(transcript.source).name)
        stream.write(render_page(transcript, href))


def audio_href(source: str | Path, page_dir: Path) -> str:
    """The audio file as a relative URL from the page's folder (so the two can move together)."""
    relative = os.path.relpath(os.path.abspath(source), os.path.abspath(page_dir))
    return "/".join(_quote(part) for part in Path(relative).parts)


def _quote(part: str) -> str:
    return quote(part, safe="")


def page_data(t: Transcript, audio: str) -> dict[str, Any]:
    """What the script needs, compact: words as [start, end, text, probability, speaker index]."""
    speakers = speakers_of(t)
    index = {s: i for i, s in enumerate(speakers)}
    words = [
        [round(w.start, 3), round(w.end, 3), w.text, round(w.probability, 3), index.get(w.speaker or "", -1)]
        for w in t.words
    ]
    turns = t.diarization.turns if t.diarization else ()
    spans = [[round(x.start, 3), round(x.end, 3), index[x.speaker]] for x in turns]
    return {
        "source": Path(t.source).name,
        "stem": Path(t.source).stem,
        "audio": audio,
        "duration": round(t.duration, 3),
        "fingerprint": fingerprint(t),
        "unsure": UNSURE,
        "speakers": [{"id": s, "name": t.label(s)} for s in speakers],
        "words": words,
        "turns": spans,
    }


def embed_json(data: Any) -> str:
    """JSON that cannot end its <script> element or open a comment: <, > and & as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _hash(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode() + "'"


def render_page(t: Transcript, audio: str) -> str:
    style, script = _asset("review.css"), _asset("review.js")
    csp = (
        f"default-src 'none'; script-src {_hash(script)}; style-src {_hash(style)}; "
        "media-src 'self' file: blob:; img-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
    )
    slots = {
        "csp": html.escape(csp),
        "title": html.escape(f"Review: {Path(t.source).name}"),
        "style": style,
        "script": script,
        "data": embed_json(page_data(t, audio)),
    }
    # one pass, so a slot's value is never searched for further slots
    return _SLOT.sub(lambda m: slots[m.group(1)], _asset("page.html"))
