"""Aligner: tables of cases and invariants. Pure logic, no models."""

from __future__ import annotations

import random

import pytest

from pipeline.align import align, assign_speakers, merge_turns, smooth_sentences
from pipeline.diarize.postprocess import drop_minor_speakers, exclusive_view, relabel
from pipeline.types import Diarization, Segment, SpeakerTurn, Word


def w(start: float, end: float, text: str, speaker: str | None = None) -> Word:
    return Word(start, end, text, 0.9, speaker)


def turns(*spec: tuple[float, float, str]) -> tuple[SpeakerTurn, ...]:
    return tuple(SpeakerTurn(a, b, s) for a, b, s in spec)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        (w(0.1, 0.4, " a"), "A"),  # inside A
        (w(0.9, 1.4, " b"), "B"),  # 0.1 s in A, 0.4 s in B: largest overlap wins
        (w(1.55, 1.6, " c"), "B"),  # gap 1.5-2.0: nearest turn is B (0.05 s away vs 0.4 s)
        (w(1.96, 1.99, " d"), "C"),  # gap: nearer to C, which starts at 2.0
        (w(5.0, 5.2, " e"), "C"),  # after every turn: the last one
    ],
)
def test_each_word_takes_largest_overlap_or_nearest_turn(word: Word, expected: str) -> None:
    exclusive = turns((0.0, 1.0, "A"), (1.0, 1.5, "B"), (2.0, 3.0, "C"))
    assert assign_speakers([word], exclusive)[0].speaker == expected


def test_no_turns_leaves_words_unlabelled() -> None:
    assert assign_speakers([w(0, 1, " x")], ())[0].speaker is None


def test_short_flip_at_sentence_edge_is_smoothed() -> None:
    # Jitter: the first word of B's sentence fell inside A's last turn.
    words = [w(0, 0.5, " Hello", "A"), w(0.5, 1.0, " there.", "A"), w(1.0, 1.3, " So", "A"),
             w(1.3, 1.8, " what", "B"), w(1.8, 2.2, " now", "B"), w(2.2, 2.6, " then?", "B")]
    out = smooth_sentences(words)
    assert [x.speaker for x in out] == ["A", "A", "B", "B", "B", "B"]


def test_long_interruption_inside_sentence_is_kept() -> None:
    words = [w(0, 0.5, " I", "A"), w(0.5, 1.0, " think", "A"), w(1.0, 1.5, " that", "A"),
             w(1.5, 2.0, " no", "B"), w(2.0, 2.5, " wait", "B"), w(2.5, 3.0, " listen", "B"),
             w(3.0, 3.5, " we", "A"), w(3.5, 4.0, " should", "A"), w(4.0, 5.0, " go.", "A")]
    out = smooth_sentences(words)
    assert [x.speaker for x in out][3:6] == ["B", "B", "B"]


def test_run_longer_than_flip_seconds_is_kept_even_if_few_words() -> None:
    words = [w(0, 0.5, " We", "A"), w(0.5, 1.0, " went", "A"), w(1.0, 1.5, " there", "A"),
             w(1.5, 3.0, " Absolutely", "B"), w(3.0, 3.5, " today.", "A")]
    assert smooth_sentences(words)[3].speaker == "B"


def test_merge_turns_groups_consecutive_words() -> None:
    words = [w(0, 1, " a", "A"), w(1, 2, " b", "A"), w(2, 3, " c", "B"), w(3, 4, " d", "A")]
    utts = merge_turns(words)
    assert [(u.speaker, u.text, u.start, u.end) for u in utts] == [("A", "a b", 0, 2), ("B", "c", 2, 3), ("A", "d", 3, 4)]


def test_without_diarization_each_segment_is_an_utterance() -> None:
    segs = [Segment(0, 2, "a b", (w(0, 1, " a"), w(1, 2, " b"))), Segment(3, 4, "c", (w(3, 4, " c"),))]
    utts = align(segs, None)
    assert [u.text for u in utts] == ["a b", "c"] and all(u.speaker is None for u in utts)


def test_exclusive_view_gives_overlap_to_later_speaker() -> None:
    view = exclusive_view(turns((0, 5, "A"), (4, 6, "B"), (6, 8, "A")))
    assert [(t.start, t.end, t.speaker) for t in view] == [(0, 4, "A"), (4, 6, "B"), (6, 8, "A")]


def test_relabel_numbers_speakers_by_first_appearance() -> None:
    d = Diarization(turns=turns((5, 6, "x"), (0, 1, "y"), (2, 3, "z")), exclusive=turns((0, 1, "y"), (2, 3, "z"), (5, 6, "x")))
    out = relabel(d)
    assert [t.speaker for t in out.turns] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_02"]
    assert out.speakers == ("SPEAKER_00", "SPEAKER_01", "SPEAKER_02")


def _random_case(seed: int) -> tuple[list[Segment], Diarization]:
    rng = random.Random(seed)
    t, words, spk_turns = 0.0, [], []
    for i in range(rng.randint(1, 60)):
        start = t + rng.uniform(0, 0.6)
        end = start + rng.uniform(0.05, 0.8)
        text = f" w{i}" + (rng.choice([".", "?", ""]) if rng.random() < 0.2 else "")
        words.append(w(start, end, text))
        t = end
    cursor = 0.0
    while cursor < t + 1:
        length = rng.uniform(0.3, 6)
        spk_turns.append(SpeakerTurn(cursor, cursor + length, rng.choice("ABC")))
        cursor += length + rng.uniform(0, 1.5)
    segments = [Segment(words[0].start, words[-1].end, "", tuple(words))]
    return segments, Diarization(tuple(spk_turns), exclusive_view(spk_turns))


@pytest.mark.parametrize("seed", range(40))
def test_invariants_on_random_inputs(seed: int) -> None:
    segments, diarization = _random_case(seed)
    utts = align(segments, diarization)
    all_words = [x for seg in segments for x in seg.words]
    out_words = [x for u in utts for x in u.words]
    assert all(x.speaker is not None for x in out_words), "every word labelled"
    assert [x.text for x in out_words] == [x.text for x in all_words], "no word lost or reordered"
    assert " ".join(u.text for u in utts) == "".join(x.text for x in all_words).strip()
    for a, b in zip(utts, utts[1:]):
        assert a.end <= b.start + 1e-9, "turns ordered and non-overlapping"
        assert a.speaker != b.speaker, "neighbouring turns differ in speaker"
    for a, b in zip(diarization.exclusive, diarization.exclusive[1:]):
        assert a.end <= b.start + 1e-9


def test_minor_speakers_are_dropped_and_their_words_go_to_neighbours() -> None:
    spk = turns((0, 5, "A"), (5, 5.3, "X"), (5.3, 9, "B"))
    out = drop_minor_speakers(Diarization(spk, spk), min_seconds=1.0)
    assert {t.speaker for t in out.turns} == {"A", "B"}
    words = [w(5.05, 5.2, " um")]
    assert assign_speakers(words, out.exclusive)[0].speaker == "A"
    alone = turns((0, 0.5, "X"))
    assert drop_minor_speakers(Diarization(alone, alone), 1.0).speakers == ("X",)
