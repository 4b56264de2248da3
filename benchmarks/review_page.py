"""Review page weight and speed for a long episode: a real transcript (a podscribe .json) repeated to
the given length, written as a page, opened in headless Chromium. Prints a table (not pass/fail).

    python benchmarks/review_page.py out/excerpt.json --minutes 60
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.formats.html import render_page  # noqa: E402
from pipeline.formats.json_format import read_transcript  # noqa: E402
from pipeline.types import Transcript, Utterance  # noqa: E402
from tests.browser import Browser  # noqa: E402


def repeated(t: Transcript, minutes: float) -> Transcript:
    """The transcript's utterances again and again, shifted in time, until `minutes` are filled."""
    utterances: list[Utterance] = []
    offset = 0.0
    while offset < minutes * 60:
        for u in t.utterances:
            words = tuple(dataclasses.replace(w, start=w.start + offset, end=w.end + offset) for w in u.words)
            utterances.append(dataclasses.replace(u, start=u.start + offset, end=u.end + offset, words=words))
        offset += t.duration
    turns = t.diarization.turns if t.diarization else ()
    copies = int(offset // t.duration)
    shifted = tuple(
        dataclasses.replace(x, start=x.start + k * t.duration, end=x.end + k * t.duration)
        for k in range(copies)
        for x in turns
    )
    diar = dataclasses.replace(t.diarization, turns=shifted, exclusive=shifted) if t.diarization else None
    return dataclasses.replace(t, utterances=tuple(utterances), duration=offset, diarization=diar)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("transcript", type=Path)
    parser.add_argument("--minutes", type=float, default=60.0)
    args = parser.parse_args()
    long = repeated(read_transcript(args.transcript), args.minutes)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "long.html"
        started = time.perf_counter()
        page.write_text(render_page(long, "missing.mp3"), encoding="utf-8")
        write_s = time.perf_counter() - started
        browser = Browser(Path(tmp) / "profile", Path(tmp))
        try:
            started = time.perf_counter()
            browser.open(page.as_uri())
            open_s = time.perf_counter() - started
            paint = browser.js("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1")
            scroll = browser.js(
                "(async () => { const t = performance.now(); for (let y = 0; y < 20; y++) {"
                " window.scrollBy(0, 2000); await new Promise(r => requestAnimationFrame(r)); }"
                " return (performance.now() - t) / 20; })()"
            )
        finally:
            browser.close()
    rows = [
        ("minutes", f"{long.duration / 60:.1f}"),
        ("words", f"{len(long.words)}"),
        ("page size", f"{page_size(long) / 1024:.0f} KiB"),
        ("write (python)", f"{write_s:.2f} s"),
        ("open until words shown", f"{open_s:.2f} s"),
        ("first contentful paint", f"{paint:.0f} ms"),
        ("scroll, per frame", f"{scroll:.1f} ms"),
    ]
    for name, value in rows:
        print(f"{name:<24} {value:>10}")


def page_size(t: Transcript) -> int:
    return len(render_page(t, "missing.mp3").encode("utf-8"))


if __name__ == "__main__":
    main()
