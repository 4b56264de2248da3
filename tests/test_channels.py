"""Multichannel input: decoding that keeps channels, the auto decision on real voices, the split flow.

Stereo files are built from real AMI voices (benchmarks/calls.py): a two-sided call with 20 dB of
crosstalk, dual-mono, a music bed, a one-sided file. The end-to-end test runs tiny.en and the
bundled diarizer on a 35-s call.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from benchmarks import calls
from pipeline.audio import load_audio
from pipeline.batch import read_manifest
from pipeline.channels import choose, own_speech
from pipeline.config import AsrOptions, InputOptions, Options
from pipeline.errors import ConfigError
from pipeline.multichannel import ChannelResult, merge, one_voice, within
from pipeline.types import AsrResult, Diarization, Segment, SpeakerTurn, Word

from .conftest import DATA, ROOT

NEWS = ROOT.parent / "shared" / "real-speakers" / "saivt-bnews-3055877" / "3055877.flac"


@pytest.fixture(scope="module")
def call(tmp_path_factory) -> tuple[Path, list[SpeakerTurn]]:
    channels, turns = calls.ami_call()
    return calls.write_stereo(tmp_path_factory.mktemp("calls") / "call.wav", channels), turns


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    return load_audio(DATA / "ami" / "trn07.flac").samples


def _layout(path: Path, asked: str = "auto"):
    audio = load_audio(path, keep_channels=True)
    return choose(audio.channels, asked, audio.sample_rate)


def test_decode_keeps_channels_beside_the_same_downmix(call) -> None:
    path, _ = call
    kept, plain = load_audio(path, keep_channels=True), load_audio(path)
    assert kept.channels is not None and kept.channels.shape == (2, len(kept.samples))
    assert np.array_equal(kept.samples, plain.samples), "the downmix does not depend on --channels"
    assert plain.channels is None
    assert load_audio(DATA / "ami" / "trn01.flac", keep_channels=True).channels is None  # mono: nothing extra


def test_auto_splits_a_two_sided_call(call) -> None:
    layout = _layout(call[0])
    assert layout.mode == "split", layout
    assert min(layout.measures["left"], layout.measures["right"]) > 0.3


def test_auto_splits_the_call_through_a_telephone_codec(call, tmp_path) -> None:
    tel = ["-af", "highpass=f=300,lowpass=f=3400", "-ar", "8000", "-c:a", "pcm_mulaw"]
    assert _layout(calls.encode(call[0], tmp_path / "tel.wav", tel)).mode == "split"


@pytest.mark.parametrize("kind", ["dual-mono", "music bed", "one side only"])
def test_auto_keeps_one_programme_mixed(kind, clip, tmp_path) -> None:
    channels = {
        "dual-mono": calls.dual_mono(clip),
        "music bed": calls.music_bed(clip),
        "one side only": np.stack([clip, np.zeros_like(clip)]),
    }[kind]
    layout = _layout(calls.write_stereo(tmp_path / "x.wav", channels))
    assert layout.mode == "mix", layout


def test_auto_keeps_a_real_stereo_speech_file_mixed() -> None:
    layout = _layout(DATA / "jfk.flac")  # a real recording shipped as two near-identical channels
    assert (layout.count, layout.mode) == (2, "mix"), layout


@pytest.mark.skipif(not NEWS.exists(), reason="the real stereo TV clip is not on this machine")
def test_auto_keeps_a_real_stereo_broadcast_mixed() -> None:
    assert _layout(NEWS).mode == "mix"


def test_six_channels_stay_mixed_unless_split_is_asked(call, tmp_path) -> None:
    six = tmp_path / "six.wav"
    calls.write_stereo(six, np.concatenate([load_audio(call[0], keep_channels=True).channels] * 3))
    assert _layout(six).mode == "mix" and "6 channels" in _layout(six).reason
    assert _layout(six, "split").mode == "split"
    assert _layout(six, "mix").mode == "mix"


def test_split_on_a_mono_file_transcribes_it_as_mono() -> None:
    layout = _layout(DATA / "ami" / "trn01.flac", "split")
    assert (layout.mode, layout.reason) == ("mix", "one channel")


def test_crosstalk_is_not_a_channels_own_speech(call) -> None:
    audio = load_audio(call[0], keep_channels=True)
    strict, padded = own_speech(audio.channels, audio.sample_rate)
    times = (np.arange(strict.shape[1]) + 0.5) * 0.1
    left, right = ([t for t in call[1] if t.speaker == voice] for _, voice in calls.VOICES)
    near_left = np.array([any(t.start - 0.4 <= x <= t.end + 0.4 for t in left) for x in times])
    right_alone = np.array([any(t.start + 0.2 <= x <= t.end - 0.2 for t in right) for x in times]) & ~near_left
    loud = audio.channels[1].reshape(-1)[: strict.shape[1] * 1600].reshape(-1, 1600).std(axis=1) > 0.01
    frames = right_alone[: len(loud)] & loud
    assert frames.sum() >= 10  # seconds of the right talker alone, loud: 2 s
    assert not strict[0, : len(frames)][frames].any(), "the left channel hears the right talker only as crosstalk"
    assert strict[1, : len(frames)][frames].all()
    assert padded.sum() >= strict.sum()


def _words(start: float, texts: str, step: float = 0.3) -> tuple[Word, ...]:
    return tuple(Word(start + i * step, start + (i + 1) * step, f" {t}") for i, t in enumerate(texts.split()))


def _result(index: int, start: float, text: str, speaker: str = "SPEAKER_00") -> ChannelResult:
    words = _words(start, text)
    turn = (SpeakerTurn(words[0].start, words[-1].end, speaker),)
    asr = AsrResult((Segment(words[0].start, words[-1].end, text, words),), "en", 0.9)
    return ChannelResult(index, asr, Diarization(turn, turn))


def test_merge_keeps_overlapping_speech_of_both_channels_in_time_order() -> None:
    a = _result(0, 0.0, "so how was the trip. did it rain at all.")
    b = _result(1, 1.2, "oh it was lovely.")  # starts inside the first sentence
    merged = merge([a, b])
    assert [u.speaker for u in merged.utterances] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"]
    assert merged.utterances[1].text == "oh it was lovely."
    assert sum(len(u.words) for u in merged.utterances) == 14, "no word of the overlap is lost"
    starts = [u.start for u in merged.utterances]
    assert starts == sorted(starts)
    assert merged.speaker_channels == {"SPEAKER_00": 0, "SPEAKER_01": 1}


def test_a_channel_is_one_voice_unless_a_second_holds_a_real_share() -> None:
    def diarization(seconds: dict[str, float]) -> Diarization:
        turns, at = [], 0.0
        for speaker, length in seconds.items():
            turns.append(SpeakerTurn(at, at + length, speaker))
            at += length
        return Diarization(tuple(turns), tuple(turns))

    folded = one_voice(diarization({"A": 60.0, "B": 4.0, "C": 10.0}))
    assert folded.speakers == ("A",)
    kept = one_voice(diarization({"A": 40.0, "B": 30.0, "C": 2.0}))
    assert kept.speakers == ("A", "B")


def test_turns_are_cut_to_the_channels_own_speech() -> None:
    turns = (SpeakerTurn(0.0, 10.0, "A"),)
    cut = within(Diarization(turns, turns), [(1.0, 2.0), (5.0, 12.0)])
    assert [(t.start, t.end) for t in cut.turns] == [(1.0, 2.0), (5.0, 10.0)]


def test_channels_option_and_manifest_column_are_checked(tmp_path) -> None:
    with pytest.raises(ConfigError, match="channels 'stereo' is not one of auto, mix, split"):
        Options(input=InputOptions(channels="stereo"))
    manifest = tmp_path / "list.csv"
    manifest.write_text("path,channels\ncall.wav,split\nother.wav,both\n")
    with pytest.raises(ConfigError, match=r"list.csv:3: channels must be one of auto, mix, split, got 'both'"):
        read_manifest(manifest)
    manifest.write_text("path,channels\ncall.wav,split\n")
    assert read_manifest(manifest)[0].channels == "split"


@pytest.fixture(scope="module")
def engine():
    from pipeline.engine import Engine

    return Engine(Options(asr=AsrOptions(model="tiny.en")))


def test_a_stereo_call_is_two_speakers_each_holding_its_own_channel(engine, call) -> None:
    path, reference = call
    transcript = engine.speaker_transcript(load_audio(path, keep_channels=True))
    channels = transcript.provenance["channels"]
    assert channels["mode"] == "split" and channels["asked"] == "auto"
    assert transcript.diarization is not None and len(transcript.diarization.speakers) == 2
    for speaker, channel in channels["speakers"].items():
        person = calls.VOICES[channel][1]
        mine = [w for w in transcript.words if w.speaker == speaker]
        inside = [w for w in mine if any(t.start - 0.3 <= w.start <= t.end for t in reference if t.speaker == person)]
        assert len(mine) >= 10 and len(inside) >= 0.9 * len(mine), (speaker, person, len(inside), len(mine))
    starts = [u.start for u in transcript.utterances]
    assert starts == sorted(starts)
    json.dumps(transcript.provenance)  # the JSON writer can hold it


def test_cli_writes_the_channel_choice_into_the_json(call, tmp_path) -> None:
    out = tmp_path / "out"
    command = [str(ROOT / ".venv" / "bin" / "transcribe"), str(call[0]), "--model", "tiny.en", "--channels", "mix"]
    command += ["--no-diarize", "-f", "json", "-o", str(out), "-q"]
    subprocess.run(command, check=True, timeout=300)
    data = json.loads((out / "call.json").read_text())
    assert data["provenance"]["channels"]["mode"] == "mix"
    assert data["provenance"]["channels"]["reason"] == "--channels mix"
