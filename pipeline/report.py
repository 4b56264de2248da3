"""One self-contained HTML file (inline CSS and SVG, no scripts, no network): metrics, the word
alignment against the reference, and a speaker timeline of reference vs hypothesis."""

from __future__ import annotations

import html
from collections.abc import Sequence

from .evaluate import Scores, metric_rows, normalize
from .references import Reference
from .types import SpeakerTurn, Transcript

COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
ROW, WIDTH, LABEL = 18, 1000, 130

CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
.align{font-family:ui-monospace,monospace;font-size:13px;line-height:1.9}
.sub{background:#fde2b8}.del{background:#f8c4c4;text-decoration:line-through}.ins{background:#c9e7c3}
.legend span{padding:0 .4em;margin-right:.6em}svg text{font:11px sans-serif}
"""


def render_report(transcript: Transcript, reference: Reference, scores: Scores) -> str:
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>podscribe report: {html.escape(transcript.source)}</title><style>{CSS}</style></head><body>",
        f"<h1>Transcript report</h1><p>Audio: <b>{html.escape(transcript.source)}</b> ({transcript.duration:.1f} s) · "
        f"reference: {html.escape(reference.source)} · language {html.escape(transcript.language)}</p>",
        "<h2>Metrics</h2>",
        _metrics(scores),
        "<p>WER/cpWER after Whisper's English normaliser on both sides; DER by pyannote.metrics, overlap scored, "
        "collar = total width around reference boundaries.</p>",
    ]
    if reference.turns and transcript.diarization is not None:
        parts += [
            "<h2>Speaker timeline</h2>",
            timeline(reference.turns, transcript.diarization.turns, transcript.duration),
        ]
    if reference.text is not None:
        parts += [
            "<h2>Word alignment</h2>",
            "<p class='legend'><span class='sub'>substitution (ref→hyp)</span>"
            "<span class='del'>deletion</span><span class='ins'>insertion</span></p>",
            f"<div class='align'>{alignment(reference.text, transcript.text)}</div>",
        ]
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _metrics(scores: Scores) -> str:
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in metric_rows(scores))
    return f"<table><tr><th>metric</th><th>value</th><th>detail</th></tr>{body}</table>"


def alignment(reference: str, hypothesis: str) -> str:
    """Normalised reference vs hypothesis words, errors marked (jiwer's alignment)."""
    import jiwer

    ref, hyp = normalize(reference), normalize(hypothesis)
    out = jiwer.process_words(ref, hyp or "")
    r_words, h_words = out.references[0], out.hypotheses[0]
    spans = []
    for chunk in out.alignments[0]:
        r = " ".join(r_words[chunk.ref_start_idx : chunk.ref_end_idx])
        h = " ".join(h_words[chunk.hyp_start_idx : chunk.hyp_end_idx])
        if chunk.type == "equal":
            spans.append(html.escape(r))
        elif chunk.type == "substitute":
            spans.append(
                f"<span class='sub' title='reference: {html.escape(r)}'>{html.escape(r)} → {html.escape(h)}</span>"
            )
        elif chunk.type == "delete":
            spans.append(f"<span class='del'>{html.escape(r)}</span>")
        else:
            spans.append(f"<span class='ins'>{html.escape(h)}</span>")
    return " ".join(spans)


def timeline(reference: Sequence[SpeakerTurn], hypothesis: Sequence[SpeakerTurn], duration: float) -> str:
    """SVG: one row per reference speaker, then one per hypothesis speaker; x = time."""
    ref_speakers = sorted({t.speaker for t in reference})
    hyp_speakers = sorted({t.speaker for t in hypothesis})
    rows = [("ref", s) for s in ref_speakers] + [("hyp", s) for s in hyp_speakers]
    end = max([duration] + [t.end for t in (*reference, *hypothesis)]) or 1.0
    scale = (WIDTH - LABEL) / end
    height = ROW * (len(rows) + 2)
    colour_of = {("ref", s): COLOURS[i % len(COLOURS)] for i, s in enumerate(ref_speakers)}
    for i, s in enumerate(hyp_speakers):
        match = _best_match(s, hypothesis, reference)
        own = COLOURS[(len(ref_speakers) + i) % len(COLOURS)]
        colour_of[("hyp", s)] = colour_of.get(("ref", match), own) if match is not None else own
    svg = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{height}' role='img' "
        "aria-label='speaker timeline'>"
    ]
    for i, (side, speaker) in enumerate(rows):
        y = ROW * i + 4
        colour = colour_of[(side, speaker)]
        svg.append(f"<text x='2' y='{y + 12}'>{side}: {html.escape(speaker)}</text>")
        for t in reference if side == "ref" else hypothesis:
            if t.speaker == speaker:
                width = max(0.5, (t.end - t.start) * scale)
                tip = f"{html.escape(speaker)} {t.start:.1f}–{t.end:.1f} s"
                svg.append(
                    f"<rect x='{LABEL + t.start * scale:.1f}' y='{y}' width='{width:.1f}' height='{ROW - 4}' "
                    f"fill='{colour}'><title>{tip}</title></rect>"
                )
    axis_y = ROW * len(rows) + 14
    for k in range(0, 11):
        x = LABEL + k * (WIDTH - LABEL - 30) / 10
        svg.append(f"<text x='{x:.0f}' y='{axis_y}'>{(x - LABEL) / scale:.0f}s</text>")
    svg.append("</svg>")
    return "".join(svg)


def _best_match(speaker: str, hypothesis: Sequence[SpeakerTurn], reference: Sequence[SpeakerTurn]) -> str | None:
    """The reference speaker that overlaps this hypothesis speaker most (for matching colours)."""
    overlap: dict[str, float] = {}
    for h in (t for t in hypothesis if t.speaker == speaker):
        for r in reference:
            shared = min(h.end, r.end) - max(h.start, r.start)
            if shared > 0:
                overlap[r.speaker] = overlap.get(r.speaker, 0.0) + shared
    return max(overlap, key=overlap.__getitem__) if overlap else None
