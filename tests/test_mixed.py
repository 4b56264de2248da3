"""Speakers that hold two voices are found (real voices) and left unnamed (the engine, fake models)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.devset import conversations
from pipeline.audio import load_audio
from pipeline.config import DiarizationOptions, NamesOptions, Options
from pipeline.diarize.mixed import split_distance, split_mixed
from pipeline.diarize.resegment import BLOCK_FRAMES, BlockStats, Embedder
from pipeline.engine import Engine
from pipeline.types import AsrResult, Audio, Diarization, Segment, SpeakerHints, SpeakerTurn, Word

AUDIO = Audio(np.zeros(16_000 * 8, dtype=np.float32), "call.wav")


class IntroTranscriber:
    """'I'm Ann.' then 'Hi Ann, I'm Bob.': the talk names both speakers."""

    name = "fake-asr"

    def transcribe(self, audio, language=None, progress=None, hotwords=None) -> AsrResult:
        first = tuple(Word(0.5 + 0.3 * i, 0.8 + 0.3 * i, f" {t}") for i, t in enumerate(["Hello,", "I'm", "Ann."]))
        second = tuple(Word(4.0 + 0.3 * i, 4.3 + 0.3 * i, f" {t}") for i, t in enumerate(["Hi", "Ann,", "I'm", "Bob."]))
        segments = (Segment(0.5, 1.4, "Hello, I'm Ann.", first), Segment(4.0, 5.2, "Hi Ann, I'm Bob.", second))
        return AsrResult(segments, "en", 0.99)


class TwoSpeakers:
    name = "fake-diarizer"

    def __init__(self, mixed: frozenset[str]) -> None:
        self.mixed = mixed

    def diarize(self, audio, hints=None, hook=None) -> Diarization:
        turns = (SpeakerTurn(0.0, 3.0, "SPEAKER_00"), SpeakerTurn(3.5, 6.0, "SPEAKER_01"))
        return Diarization(turns, turns, mixed=self.mixed)


def _names(mixed: frozenset[str], given: tuple[str, ...] = ()) -> dict[str, str]:
    options = Options(names=NamesOptions(given=given))
    engine = Engine(options, transcriber=IntroTranscriber(), diarizer=TwoSpeakers(mixed))  # type: ignore[arg-type]
    return {n.speaker: n.name for n in engine.speaker_transcript(AUDIO).names}


def test_a_mixed_speaker_is_not_named_from_the_talk() -> None:
    assert _names(frozenset()) == {"SPEAKER_00": "Ann", "SPEAKER_01": "Bob"}
    assert _names(frozenset({"SPEAKER_00"})) == {"SPEAKER_01": "Bob"}


def test_a_name_given_by_hand_still_applies_to_a_mixed_speaker() -> None:
    assert _names(frozenset({"SPEAKER_00"}), ("SPEAKER_00=Carol",))["SPEAKER_00"] == "Carol"


def test_one_tight_group_is_not_split_and_two_far_groups_are() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(192), rng.standard_normal(192)
    one = a + 0.3 * rng.standard_normal((20, 192))
    two = np.concatenate([one[:10], b + 0.3 * rng.standard_normal((10, 192))])
    assert split_distance(one) < 0.1
    assert split_distance(two) > 0.8
    lone = np.concatenate([one[:19], b[None]])  # one stray piece is an outlier, not a second voice
    assert split_distance(lone) == 0.0


@pytest.fixture(scope="module")
def diarizer():
    """The bundled diarizer without the split, to see what the marking alone does."""
    from pipeline.diarize.pyannote_backend import PyannoteDiarizer

    return PyannoteDiarizer(DiarizationOptions(split_mixed=False))


@pytest.fixture(scope="module")
def talks(tmp_path_factory) -> dict[str, object]:
    return {name: path for name, path, _ in conversations(tmp_path_factory.mktemp("conv"))}


def test_real_voices_merged_into_one_speaker_are_marked_mixed(diarizer, talks) -> None:
    # three real women from different AMI meetings: clustering merges two of them (found 2 of 3)
    found = diarizer.diarize(load_audio(talks["conv/three-women"]))
    assert len(found.speakers) == 2 and len(found.mixed) == 1, (found.speakers, found.mixed)


@pytest.mark.parametrize("name", ["conv/mixed", "conv/one-woman-two-sessions"])
def test_real_voices_kept_apart_are_not_marked(diarizer, talks, name) -> None:
    found = diarizer.diarize(load_audio(talks[name]))
    assert len(found.speakers) == 2 and not found.mixed, (found.speakers, found.mixed)


def _stats_of(voices: list[np.ndarray]) -> tuple[BlockStats, Embedder]:
    """Block sums whose every 0.5-s block carries one voice vector, and an embedder that reads it back."""
    means = np.stack(voices)
    count = np.full(len(voices), float(BLOCK_FRAMES))
    stats = BlockStats(count, (means * BLOCK_FRAMES).astype(np.float32), (means**2 * BLOCK_FRAMES).astype(np.float32))

    def embed(mean: np.ndarray, std: np.ndarray) -> np.ndarray:
        return mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)

    return stats, embed


def _one_speaker(seconds: float) -> Diarization:
    turns = (SpeakerTurn(0.0, seconds, "SPEAKER_00"),)
    return Diarization(turns, turns, voices=(("SPEAKER_00", (1.0, 0.0)),))


def test_a_speaker_holding_two_voices_is_split_where_the_second_voice_speaks() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(16), rng.standard_normal(16)
    # 60 s: voice a, then b for 20 s, then a again; 0.5-s blocks
    blocks = [(b if 40 <= i < 80 else a) + 0.05 * rng.standard_normal(16) for i in range(120)]
    stats, embed = _stats_of(blocks)
    split = split_mixed(_one_speaker(60.0), stats, embed)
    assert len(split.speakers) == 2
    second = [t for t in split.exclusive if t.speaker != "SPEAKER_00"]
    assert sum(t.end - t.start for t in second) == pytest.approx(20.0, abs=2.0)
    assert all(18.0 <= t.start and t.end <= 42.0 for t in second)
    assert split.voices == ()  # the centroid was the two voices' mixture
    assert split_mixed(_one_speaker(60.0), stats, embed, room=0).speakers == ("SPEAKER_00",)


def test_one_voice_is_left_whole() -> None:
    rng = np.random.default_rng(2)
    a = rng.standard_normal(16)
    stats, embed = _stats_of([a + 0.05 * rng.standard_normal(16) for _ in range(120)])
    found = _one_speaker(60.0)
    assert split_mixed(found, stats, embed) is found


@pytest.mark.parametrize(("name", "people"), [("conv/three-women", 3), ("conv/mixed", 2), ("conv/one-woman-two-sessions", 2)])
def test_by_default_merged_real_voices_are_split_and_others_kept(talks, name, people) -> None:
    from pipeline.diarize.pyannote_backend import PyannoteDiarizer

    found = PyannoteDiarizer(DiarizationOptions()).diarize(load_audio(talks[name]))
    assert len(found.speakers) == people and not found.mixed, (found.speakers, found.mixed)


@pytest.mark.parametrize("hints", [SpeakerHints(num_speakers=2), SpeakerHints(max_speakers=2)])
def test_a_count_hint_bounds_the_split(talks, hints) -> None:
    from pipeline.diarize.pyannote_backend import PyannoteDiarizer

    found = PyannoteDiarizer(DiarizationOptions()).diarize(load_audio(talks["conv/three-women"]), hints)
    assert len(found.speakers) == 2, found.speakers
