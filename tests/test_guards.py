"""Hallucination and loop guards (pure)."""

from __future__ import annotations

import pytest

from pipeline.guards import clean_segment, collapse_loops, drop_repeated_segments, is_non_speech, is_repetitive
from pipeline.types import Segment, Word


def words(text: str) -> list[Word]:
    return [Word(i * 0.3, i * 0.3 + 0.25, " " + t) for i, t in enumerate(text.split())]


def text(ws) -> str:
    return "".join(w.text for w in ws).strip()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("thank you " * 12, "thank you thank you thank you"),
        ("no, no, no, that is wrong", "no, no, no, that is wrong"),
        ("I I I I I I I I think so", "I I I think so"),
        ("the end of the story the end of the story the end of the story the end of the story the end of the story", "the end of the story the end of the story the end of the story the end of the story the end of the story"),
        ("go on go on go on go on go on now", "go on go on go on now"),
    ],
)
def test_collapse_loops(source, expected) -> None:
    assert text(collapse_loops(words(source))) == expected


@pytest.mark.parametrize(
    ("seg_text", "no_speech", "logprob", "expected"),
    [
        ("♪ ♪ ♪", 0.1, -0.2, True),
        ("[Music]", 0.1, -0.2, True),
        ("(applause)", 0.2, -0.3, True),
        ("Thanks for watching!", 0.9, -1.4, True),  # Whisper's silence rule
        ("Thanks for watching!", 0.9, -0.3, False),  # confident decoding is kept
        ("Music is my life.", 0.1, -0.2, False),
    ],
)
def test_non_speech(seg_text, no_speech, logprob, expected) -> None:
    assert is_non_speech(seg_text, no_speech, logprob) is expected


def test_repeated_segments_keep_two() -> None:
    segs = [Segment(i, i + 1, "Subscribe to the channel.") for i in range(5)] + [Segment(9, 10, "Real words.")]
    assert [s.text for s in drop_repeated_segments(segs)] == ["Subscribe to the channel."] * 2 + ["Real words."]


def test_clean_segment_rebuilds_text_and_times() -> None:
    seg = Segment(0, 10, "x", tuple(words("la " * 10 + "done")))
    cleaned = clean_segment(seg)
    assert cleaned.text == "la la la done" and cleaned.end == cleaned.words[-1].end
    assert clean_segment(Segment(0, 1, "", ())) is None


def test_a_looping_decode_is_told_by_how_well_it_compresses() -> None:
    from faster_whisper.transcribe import get_compression_ratio

    loop = " Mae'r gweithio." * 12  # what a second try on a far-field AMI clip gave
    speech = " Alright, Peter, thank you so much for staying up late to answer those questions."
    assert is_repetitive(get_compression_ratio(loop)) and not is_repetitive(get_compression_ratio(speech))
