"""A speaker whose turn holds two voices (it asks someone by name and answers as them, or is spoken
to by its own name) gets no name from the talk, and the other voice's words name nobody."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.names_dev import gecko_utterances
from pipeline.cast import parse_cast
from pipeline.config import NamesOptions, Options
from pipeline.engine import Engine
from pipeline.formats.json_format import dump_json, to_dict
from pipeline.names import name_speakers, two_voiced
from pipeline.types import AsrResult, Audio, Diarization, Segment, SpeakerTurn, Word

from .test_names import names_of, talk

REPLY = "It is a fair question, and I will try to answer it properly."
# a real two-person sales call, transcribed and speaker-labelled by hand (Gecko's JSON)
SALES_CALL = Path(__file__).resolve().parents[2] / "shared" / "real-speakers" / "gecko-sales-call" / "demo.json"


def test_a_turn_that_asks_by_name_and_answers_is_caught_and_left_unnamed() -> None:
    merged = "I'm Neal Conan. Peter, what do you think? Well, thank you. I think last week's numbers tell the story."
    utts = talk(("HOST", merged), ("ANNA", REPLY))
    assert names_of(talk(("HOST", "I'm Neal Conan. Peter, what do you think?"), ("ANNA", REPLY))) == {
        "HOST": "Neal Conan"  # the same words with the answer in its own turn: named
    }
    assert "HOST" not in names_of(utts)
    (found,) = two_voiced(utts)
    handover = next(w for w in utts[0].words if w.text == " Peter,")
    answer = next(w for w in utts[0].words if w.text == " Well,")
    assert found.speaker == "HOST" and found.why == f"asks and answers in one turn at {answer.start:.1f} s"
    assert found.evidence[0].text == "Peter, what do you think? Well, thank you."
    assert found.evidence[0].rule == "asks-and-answers" and found.evidence[0].start == pytest.approx(handover.start)


@pytest.mark.parametrize(
    "turn",
    [
        "Our next caller is Bob Smith. Hi, Neal, thanks for taking my call, I have a question on the budget.",
        "Over to you, Anna. Thanks. Well, the committee met on Tuesday and agreed the plan.",
        "Now, Mr. Kyle, nice to have you with us on the program today. Glad to be with you, Neal.",
    ],
)
def test_other_hand_overs_answered_in_the_same_turn_are_caught(turn: str) -> None:
    assert [u.speaker for u in two_voiced(talk(("HOST", turn), ("NEXT", REPLY)))] == ["HOST"]


@pytest.mark.parametrize(
    "more",
    [
        "I mean, after last week's numbers, the market looked shaky to a lot of people.",
        "Well, Peter, you told us last week that the market was shaky.",  # still speaking to Peter
        "Well, is it over, or is there more to come, in your view?",  # a question of the host's own
        "Thank you.",  # too short to be an answer
        "Thanks for joining us, we have a lot to get through today.",  # the host's thanks, not a reply
    ],
)
def test_a_host_who_asks_by_name_and_keeps_talking_is_not_caught(more: str) -> None:
    utts = talk(("HOST", f"I'm Neal Conan. Peter, what do you think? {more}"), ("PETER", REPLY))
    assert two_voiced(utts) == ()
    assert names_of(utts)["HOST"] == "Neal Conan"


def test_a_caller_who_greets_the_host_and_introduces_herself_is_one_voice() -> None:
    utts = talk(
        ("HOST", "Let's go to the phones."),
        ("CALLER", "Hi, Peter. I'm Jane Drucker from Plymouth Meeting, and I love the show."),
        ("HOST", "Welcome, Jane."),
    )
    assert two_voiced(utts) == ()
    assert names_of(utts)["CALLER"] == "Jane Drucker"


def test_evidence_after_the_hand_over_never_names_the_turns_speaker() -> None:
    utts = talk(
        ("HOST", "Good morning. Bob, what's your name? I'm Bob Smith, from Leeds, and I have listened for years."),
        ("NEXT", "Next question, please."),
    )
    assert [u.speaker for u in two_voiced(utts)] == ["HOST"]
    assert names_of(utts) == {}  # "I'm Bob Smith" is the other voice's: not the asker's name


def test_the_other_voices_words_name_nobody_else_either() -> None:
    cast = parse_cast("Anna")  # one mention of a cast name would be enough
    said = "Anna, what do you make of it?"
    alone = talk(("HOST", f"Good morning. {said}"), ("ANNA", REPLY))
    assert {n.speaker: n.name for n in name_speakers(alone, cast)} == {"ANNA": "Anna"}
    merged = talk(("HOST", f"Good morning. Bob, what's your name? I'm Bob Smith, from Leeds. {said}"), ("ANNA", REPLY))
    assert name_speakers(merged, cast) == ()


def test_a_turn_spoken_to_by_its_own_name_holds_two_voices() -> None:
    turn = "I'm Neal Conan. Bill Moyers joins us from New York. Thanks for having me, Neal. It is good to be here."
    utts = talk(("HOST", turn), ("NEXT", REPLY))
    (found,) = two_voiced(utts)
    assert found.why.startswith("is spoken to by its own name in one turn at")
    assert found.evidence[0].rule == "own-name" and "Thanks for having me, Neal." in found.evidence[0].text
    assert names_of(utts) == {}
    # one voice that names itself and speaks to someone else is not caught
    assert two_voiced(talk(("HOST", "I'm Neal Conan. Thanks for having me, Bill."), ("NEXT", REPLY))) == ()


def test_the_cast_host_does_not_name_a_two_voiced_speaker() -> None:
    cast = parse_cast("Neal Conan (host)")
    opening = "Welcome to the program. Peter, what do you think? Well, thanks, I think the numbers tell the story."
    rest = (("PETER", REPLY), ("GUEST", "I agree with that."), ("HOST", "That is all for today."))
    plain = talk(("HOST", "Welcome to the program."), *rest)
    utts = talk(("HOST", opening), *rest)
    assert {n.speaker: n.name for n in name_speakers(plain, cast)} == {"HOST": "Neal Conan"}
    assert name_speakers(utts, cast) == ()


class MergedTranscriber:
    """One speaker's words that ask Peter and answer as Peter."""

    name = "fake-asr"

    def transcribe(self, audio, language=None, progress=None, hotwords=None) -> AsrResult:
        text = "I'm Neal Conan. Peter, what do you think? Well, thank you. I think the numbers tell the story."
        words = tuple(Word(0.5 + 0.4 * i, 0.8 + 0.4 * i, f" {t}") for i, t in enumerate(text.split()))
        return AsrResult((Segment(words[0].start, words[-1].end, text, words),), "en", 0.99)


class OneSpeaker:
    name = "fake-diarizer"

    def diarize(self, audio, hints=None, hook=None) -> Diarization:
        turns = (SpeakerTurn(0.0, audio.duration, "SPEAKER_00"),)
        return Diarization(turns, turns)


def _transcript(given: tuple[str, ...] = ()):
    engine = Engine(Options(names=NamesOptions(given=given)), MergedTranscriber(), OneSpeaker())  # type: ignore[arg-type]
    return engine.speaker_transcript(Audio(np.zeros(16_000 * 10, dtype=np.float32), "call.wav"))


def test_the_engine_says_why_a_speaker_is_unnamed_and_a_given_name_still_applies() -> None:
    transcript = _transcript()
    assert transcript.names == ()
    written = json.loads(dump_json(to_dict(transcript)))
    (unnamed,) = written["provenance"]["unnamed"]
    assert unnamed["speaker"] == "SPEAKER_00" and unnamed["why"] == "asks and answers in one turn at 3.7 s"
    assert unnamed["evidence"][0]["text"] == "Peter, what do you think? Well, thank you."
    assert {n.speaker: n.name for n in _transcript(("SPEAKER_00=Carol",)).names} == {"SPEAKER_00": "Carol"}


@pytest.mark.skipif(not SALES_CALL.is_file(), reason="the shared real-speakers recordings are not here")
def test_a_real_sales_call_merged_into_one_speaker_is_not_named() -> None:
    labelled = {n.speaker: n.name for n in name_speakers(gecko_utterances(SALES_CALL))}
    assert labelled == {"Roger": "Roger"}  # Virgil's "Thanks, Roger." names the voice before
    assert name_speakers(gecko_utterances(SALES_CALL, merge=True)) == ()
