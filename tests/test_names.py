"""Speaker names from the talk: rules on text fixtures (pure logic), and how names are combined."""

from __future__ import annotations

from benchmarks.names_dev import utterances
from pipeline.cast import parse_cast
from pipeline.names import combine, given_names, name_speakers, same_person
from pipeline.types import SpeakerName, Utterance, Word


def talk(*turns: tuple[str, str]) -> tuple[Utterance, ...]:
    """(speaker, text) turns as utterances with evenly spaced words (the names dev set's reader)."""
    return utterances(turns)


def names_of(utterances) -> dict[str, str]:
    return {n.speaker: n.name for n in name_speakers(utterances)}


# Shaped like the seed episode, with Whisper's spellings: host, guest, callers, an ad.
SHOW = talk(
    ("AD", "Listen to the Capital Ideas podcast. Hear from Capital Group professionals."),
    ("HOST", "Hello, and welcome. I'm Ling Ling Wait, your host today. I'm bringing in my colleague Peter Landers. "
     "Thanks for joining me, Peter."),
    ("GUEST", "You bet."),
    ("HOST", "Peter, our first question is from Glen Loveland from Scottsdale, Arizona."),
    ("CALLER1", "Hi, Lingling. My question is about smart cities. Thank you."),
    ("HOST", "Excellent question, Glenn. Look, progress is visible. Peter, what are you seeing on the ground?"),
    ("GUEST", "When I was in Beijing I rode a robotaxi. And to your point, Ling Ling, they are ahead. It is a race."),
    ("HOST", "Let's tackle the next one, Nicholas Misako's from San Francisco."),
    ("CALLER2", "Does Beijing believe the West has reached its pinnacle?"),
    ("HOST", "That is a fantastic question. What do you think, Peter?"),
    ("GUEST", "What you said is entirely right."),
)


def test_the_show_names_host_guest_and_callers_and_not_the_ad() -> None:
    found = names_of(SHOW)
    assert found == {
        "HOST": "Ling Ling",
        "GUEST": "Peter Landers",
        "CALLER1": "Glen Loveland",
        "CALLER2": "Nicholas Misako",  # the possessive 's Whisper wrote is dropped
    }
    assert "AD" not in found


def test_how_and_evidence_are_kept() -> None:
    by_speaker = {n.speaker: n for n in name_speakers(SHOW)}
    host = by_speaker["HOST"]
    assert host.how == "introduced"
    assert any(e.rule == "self" and "I'm Ling Ling" in e.text for e in host.evidence)
    assert all(e.end > e.start for e in host.evidence)
    assert by_speaker["GUEST"].how == "addressed"
    assert 0.0 < by_speaker["GUEST"].confidence < 1.0


def test_a_place_after_from_is_not_a_name() -> None:
    found = names_of(talk(("A", "Our first question is from Anna Berg, from Tucson, Arizona."), ("B", "Hello there.")))
    assert found == {"B": "Anna Berg"}


def test_one_passing_mention_is_not_enough() -> None:
    # a single vocative (weight 1) is below the bar: a wrong name is worse than none
    found = names_of(talk(("A", "We talked about it."), ("B", "Right, I agree. Good point, Sam.")))
    assert found == {}


def test_two_hints_for_one_name_are_enough() -> None:
    utts = talk(("A", "So, Sam, what do you think?"), ("B", "I think so."), ("A", "Thanks for your answer, Sam."))
    assert names_of(utts) == {"B": "Sam"}


def test_an_opener_written_without_its_comma_is_not_part_of_the_name() -> None:
    # Whisper writes "So Victor, what do you think?" as often as "So, Victor, ..."
    utts = talk(("A", "Over to you. So Victor, what do you think?"), ("B", "I think so."), ("A", "Thank you, Victor."))
    assert names_of(utts) == {"B": "Victor"}
    assert names_of(talk(("A", "So Monday, then."), ("B", "Fine."), ("A", "Well Monday, it is."))) == {}


def test_conflicting_names_leave_the_speaker_unnamed() -> None:
    utts = talk(
        ("A", "So, Sam, what do you think?"),
        ("B", "Fine."),
        ("A", "Thanks for that, Sam. Now, Tom, what do you think?"),
        ("B", "Also fine."),
        ("A", "Thank you for your time, Tom."),
    )
    assert "B" not in names_of(utts)


def test_one_name_is_never_given_to_two_speakers() -> None:
    utts = talk(
        ("A", "I'm Dana Scott."),
        ("B", "Hello. I'm Dana Scott."),
    )
    assert names_of(utts) == {}


def test_sentences_that_only_look_like_introductions() -> None:
    utts = talk(
        ("A", "This is a big question. I'm sorry, this is the hardest part. My name is not important."),
        ("B", "So, well, yes, thank you. Okay, Monday, then."),
    )
    assert names_of(utts) == {}


def test_sentence_adverbs_before_a_comma_are_not_vocatives() -> None:
    # Whisper opens sentences with these just as a host opens one with a guest's name
    utts = talk(
        ("B", "The yuan is weak. The ports are full."),
        ("A", "Similarly, the banks are careful. That is one view."),
        ("B", "Chips are the race. Nobody is ahead."),
        ("A", "Similarly, the ports are busy. Honestly, nobody knows."),
        ("B", "Finally, a word on chips. It is a race."),
    )
    assert names_of(utts) == {}


def test_spelling_variants_count_as_one_person() -> None:
    assert same_person("Glen", "Glenn Loveland")
    assert same_person("Ling Ling", "LINGLING")
    assert same_person("Rem Reimunassen", "RAM")  # one letter off in the first name
    assert not same_person("Sam", "Tom")
    assert not same_person("Victor", "Peter")


def test_given_names_beat_voices_beat_talk_and_names_stay_unique() -> None:
    given = given_names(["SPEAKER_01=Ann"])
    voice = (SpeakerName("SPEAKER_01", "Bob", "voice", 0.9), SpeakerName("SPEAKER_02", "Ann", "voice", 0.8))
    talked = (SpeakerName("SPEAKER_02", "Carl", "introduced", 0.7), SpeakerName("SPEAKER_03", "Dee", "addressed", 0.6))
    out = {n.speaker: (n.name, n.how) for n in combine(given, voice, talked, speakers=("SPEAKER_01", "SPEAKER_02", "SPEAKER_03"))}
    # SPEAKER_02's voice says Ann, but Ann was given to SPEAKER_01 by hand: the talk's Carl is next
    assert out == {"SPEAKER_01": ("Ann", "given"), "SPEAKER_02": ("Carl", "introduced"), "SPEAKER_03": ("Dee", "addressed")}


def test_names_for_unknown_ids_are_ignored() -> None:
    assert combine(given_names(["SPEAKER_09=Zed"]), speakers=("SPEAKER_00",)) == ()


def _seed_talk(turns_json) -> tuple[Utterance, ...]:
    """The rendered episode's reference turns (the seed's own text) as utterances, words spread evenly."""
    import json

    out = []
    for turn in json.loads(turns_json.read_text())["turns"]:
        words = []
        for sentence in turn["sentences"]:
            tokens = sentence["text"].split()
            step = (sentence["end"] - sentence["start"]) / len(tokens)
            for i, token in enumerate(tokens):
                start = sentence["start"] + i * step
                words.append(Word(start, start + step * 0.9, " " + token, 0.9, turn["speaker"]))
        out.append(Utterance(turn["start"], turn["end"], turn["text"], tuple(words), turn["speaker"]))
    return tuple(out)


def test_the_seed_episode_names_all_seven_people_and_no_ad() -> None:
    from .conftest import SAMPLES

    found = {speaker: name for speaker, name in names_of(_seed_talk(SAMPLES / "episode.turns.json")).items()}
    assert sorted(found) == ["EUGENE", "GLENN", "LINGLING", "NICHOLAS", "PETER", "RAM", "VICTOR"]
    assert all(same_person(name, speaker) for speaker, name in found.items()), found


def test_youre_welcome_answers_the_thanks_and_hands_over_nothing() -> None:
    # Whisper writes the reply with or without its comma; either way it is no introduction
    for reply in ("You're welcome, Lenny.", "You're welcome Lenny.", "You are very welcome Lenny."):
        utts = talk(("HOST", "Thank you, Victor."), ("GUEST", reply), ("HOST", "That's all for today."))
        assert "HOST" not in names_of(utts), reply
    # a real welcome still introduces the next voice
    utts = talk(("HOST", "Please welcome Dana Scott."), ("GUEST", "Glad to be here."))
    assert names_of(utts) == {"GUEST": "Dana Scott"}


def test_a_nickname_said_to_a_named_speaker_is_an_alias_not_a_rival() -> None:
    utts = talk(
        ("HOST", "Hello. I'm Lingling Wei, your host. Victor, what do you think?"),
        ("GUEST", "Chips are the race."),
        ("HOST", "Thank you, Victor."),
        ("GUEST", "You're welcome, Leni."),
        ("HOST", "That's our show."),
    )
    host = next(n for n in name_speakers(utts) if n.speaker == "HOST")
    assert (host.name, host.aliases) == ("Lingling Wei", ("Leni",))
    # a different name said twice to the speaker is a rival, not an alias: the speaker stays unnamed
    rival = talk(("A", "I'm Lingling Wei."), ("B", "Thanks, Sarah."), ("A", "Yes."), ("B", "Sarah, go on."))
    assert "A" not in names_of(rival)


def test_the_spelling_said_more_often_wins() -> None:
    utts = talk(
        ("HOST", "I'm Lingling Wait, your host. Peter, welcome."),
        ("GUEST", "Thanks for having me."),
        ("HOST", "This was What's News with Lingling Wei. I'm Lingling Wei."),
    )
    host = next(n for n in name_speakers(utts) if n.speaker == "HOST")
    assert host.name == "Lingling Wei"
    once = next(n for n in name_speakers(talk(("A", "I'm Dana Scott."), ("B", "Hi."))) if n.speaker == "A")
    twice = talk(("A", "I'm Dana Scott."), ("B", "Hi."), ("A", "Again, I'm Dana Scott."))
    assert once.confidence < next(n for n in name_speakers(twice) if n.speaker == "A").confidence


CAST = parse_cast("Lingling Wei (host), Peter Landers, Glenn Loveland: guest")


def test_heard_names_take_the_cast_spelling() -> None:
    utts = talk(
        ("HOST", "I'm Lingling Wait. Our first question is from Glen Loveland from Scottsdale."),
        ("CALLER", "Hi. My question is about chips."),
        ("HOST", "Thanks, Peter, for joining."),
    )
    assert names_of(utts) == {"HOST": "Lingling Wait", "CALLER": "Glen Loveland"}  # no cast: as heard
    found = {n.speaker: n.name for n in name_speakers(utts, CAST)}
    assert found == {"HOST": "Lingling Wei", "CALLER": "Glenn Loveland"}


def test_one_address_of_a_cast_name_is_enough_but_a_strangers_is_not() -> None:
    utts = talk(("A", "We talked about it."), ("B", "Right. Peter, what do you think?"), ("A", "I agree."))
    assert names_of(utts) == {}
    assert {n.speaker: n.name for n in name_speakers(utts, CAST)} == {"A": "Peter Landers"}


def test_the_cast_host_names_the_voice_that_opens_and_closes() -> None:
    utts = talk(
        ("AD", "This podcast is brought to you by a bank."),
        ("HOST", "Hello and welcome to the show."),
        ("GUEST", "Glad to be here."),
        ("HOST", "That's all for today."),
    )
    host = next(n for n in name_speakers(utts, CAST) if n.speaker == "HOST")
    assert (host.name, host.how, [e.rule for e in host.evidence]) == ("Lingling Wei", "cast", ["host", "host"])
    assert name_speakers(utts) == ()  # without a cast: nobody
    # evidence for another name on that voice contradicts the cast's host
    contra = talk(("HOST", "Hello."), ("GUEST", "Thanks, Sarah."), ("HOST", "Bye, Sarah is my name."))
    assert all(n.name != "Lingling Wei" for n in name_speakers(contra, CAST))


def test_a_caller_handed_the_floor_by_name_and_place() -> None:
    utts = talk(
        ("HOST", "Lots of calls today. Colette in Dayton, you're on the air."),
        ("CALLER", "Hi. I wanted to ask about the tariffs."),
        ("HOST", "Good question. Heather's with us from Tampa."),
        ("CALLER2", "Thanks for taking my call."),
    )
    assert names_of(utts) == {"CALLER": "Colette", "CALLER2": "Heather"}
    # the town is never the name, and a place after a name stays a place
    utts = talk(("HOST", "Our first question is from Glen Loveland from Scottsdale."), ("CALLER", "Hi there."))
    assert names_of(utts) == {"CALLER": "Glen Loveland"}


def test_a_greeting_at_the_turn_start_names_the_voice_before() -> None:
    utts = talk(("HOST", "Let me bring in our guest now."), ("GUEST", "Thanks, Michel. Glad to be here."))
    assert names_of(utts) == {"HOST": "Michel"}
    # "thanks for joining" looks ahead, not back
    utts = talk(("A", "That was the news."), ("B", "Thanks for joining us, Dana. What do you see?"), ("C", "Chips."))
    assert "A" not in names_of(utts)


def test_sign_offs_titles_and_a_name_alone_ending_a_turn() -> None:
    utts = talk(("ANCHOR", "The talks resume on Monday."), ("REPORTER", "The city is quiet. Jackie Northam, NPR News, Kabul."))
    assert names_of(utts) == {"REPORTER": "Jackie Northam"}
    utts = talk(("CHAIR", "Thank you. We'll now go to Mr. McLean."), ("MEMBER", "Thank you, Chair. My question is short."))
    assert names_of(utts) == {"MEMBER": "McLean"}  # the title is not part of the name, "Chair" is no name
    utts = talk(("A", "Who wants to start? Helen Mary."), ("B", "I will."), ("C", "Fine."), ("A", "Fine."))
    assert names_of(utts) == {"B": "Helen Mary"}  # and a one-word reply is not a name
