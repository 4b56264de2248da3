"""The names dev set: its file parses and is big enough, and the scoring counts what it says it counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.names_dev import GENRES, Case, load_cases, right_name, score, score_case, utterances
from pipeline.types import SpeakerName


def namer_from(answers: dict[str, str]):
    """A fake namer that gives each listed speaker the listed name, whatever was said."""
    return lambda utts: tuple(SpeakerName(s, n, "introduced", 0.9) for s, n in answers.items())


def one_case(truth: dict[str, str | None], genre: str = "callin") -> Case:
    forms = {label: (() if name is None else (name,)) for label, name in truth.items()}
    return Case("c1", genre, "tune", "src", "url", tuple((label, "Hello there.") for label in truth), forms)


def test_a_right_a_wrong_and_a_missed_name() -> None:
    case = one_case({"HOST": "Neal Conan", "CALLER": "Heather", "GUEST": "Bill Moyers", "AD": None})
    tally = score_case(case, namer_from({"HOST": "Neal", "CALLER": "Portsmouth", "AD": "Victor"}))
    assert (tally.named, tally.right, tally.true_names, tally.negatives) == (3, 1, 3, 1)
    assert tally.precision == pytest.approx(1 / 3) and tally.recall == pytest.approx(1 / 3)
    assert [(w[1], w[2]) for w in tally.wrong] == [("CALLER", "Portsmouth"), ("AD", "Victor")]
    assert [m[1] for m in tally.missed] == ["CALLER", "GUEST"]


def test_nothing_named_is_full_precision_and_no_recall() -> None:
    tally = score_case(one_case({"A": "Sam", "B": None}), namer_from({}))
    assert (tally.precision, tally.recall) == (1.0, 0.0)


def test_scores_add_up_per_genre_and_overall() -> None:
    cases = [one_case({"A": "Sam"}, "callin"), one_case({"A": "Tom"}, "meeting")]
    tallies = score(cases, namer_from({"A": "Sam"}))
    assert (tallies["callin"].right, tallies["meeting"].right, len(tallies["meeting"].wrong)) == (1, 0, 1)
    assert (tallies["all"].named, tallies["all"].right) == (2, 1)


def test_what_counts_as_the_right_person() -> None:
    assert right_name("Neal", ["Neal Conan"])
    assert right_name("Mr. McLean", ["McLean"])
    assert right_name("Kyle", ["Richard Kyle"])
    assert right_name("Glen Loveland", ["Glenn Loveland"])  # one letter off
    assert right_name("Ling Ling", ["Lingling"])
    assert right_name("C.L.", ["Carolee", "C.L."])  # an accepted second form
    assert not right_name("Richard Smith", ["Richard Kyle"])  # same first name, another person
    assert not right_name("Mr", ["Barrett"])
    assert not right_name("Sam", ["Pam"])  # short names must match exactly
    assert not right_name("Kelly Mc", ["Kelly McEvers"])


def test_turns_become_utterances_in_order_with_rising_times() -> None:
    utts = utterances([("A", "Hi, Neal."), ("B", "Hello there, thanks.")])
    assert [u.speaker for u in utts] == ["A", "B"]
    words = [w for u in utts for w in u.words]
    assert [w.text.strip() for w in words] == ["Hi,", "Neal.", "Hello", "there,", "thanks."]
    assert all(a.end <= b.start for a, b in zip(words, words[1:], strict=False))


def test_the_dev_set_parses_and_is_big_enough() -> None:
    cases = load_cases()
    names = [c.genre for c in cases for forms in c.truth.values() if forms]
    nulls = [c.genre for c in cases for forms in c.truth.values() if not forms]
    assert len(names) >= 100 and len(nulls) >= 50
    assert {g for g in names} <= set(GENRES) and len(set(names)) >= 5
    assert all(names.count(g) >= 10 for g in set(names))
    assert len({c.id for c in cases}) == len(cases)
    for case in cases:
        assert {label for label, _ in case.turns} == set(case.truth), case.id  # every voice has a truth
        assert case.split in ("tune", "held") and case.url.startswith("http"), case.id
        assert all(len(text) <= 800 for _, text in case.turns), case.id  # short quotations only
    # both halves hold every genre, so the held-back half can be read per genre too
    assert all({c.genre for c in cases if c.split == s} == set(names) for s in ("tune", "held"))


def test_a_malformed_line_names_the_file_and_line(tmp_path: Path) -> None:
    good = {"id": "x", "genre": "news", "split": "tune", "source": "s", "url": "u"}
    good |= {"turns": [["A", "Hi."]], "truth": {"A": None}}
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps({"id": "y"}) + "\n")
    with pytest.raises(ValueError, match=r"cases\.jsonl:2: not a dev-set case"):
        load_cases(path)
