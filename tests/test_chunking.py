"""Packing VAD speech regions into Whisper clips (pure logic), and the real VAD path on real audio."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.asr import speech_clips
from pipeline.audio import load_audio
from pipeline.chunking import pack_clips

from .conftest import DATA

ROOT = Path(__file__).resolve().parent.parent


def _covers_every_region_once(speech, clips) -> bool:
    inside = [sum(a <= s and e <= b + 1e-9 for a, b in clips) for s, e in speech]
    return all(n == 1 for n in inside)


def test_a_clip_ends_at_the_longest_pause_once_it_is_half_full() -> None:
    # 5-s regions; the pause after the one ending at 17.5 s is the longest before the 30-s limit
    speech = [(0.0, 5.0), (5.2, 10.2), (10.4, 15.4), (15.6, 17.5), (19.5, 24.5), (24.7, 29.7), (29.9, 34.9)]
    clips = pack_clips(speech, max_clip=30.0)
    assert clips[0] == (0.0, 17.5)
    assert clips[1] == (19.5, 34.9)
    assert _covers_every_region_once(speech, clips)


def test_a_long_pause_early_in_the_clip_does_not_cut_it_short() -> None:
    # the 3-s pause comes 5 s in (under half full): the clip runs on and ends at the next best pause
    speech = [(0.0, 5.0), (8.0, 13.0), (13.2, 18.0), (18.5, 23.0), (23.1, 28.0), (28.1, 33.0)]
    clips = pack_clips(speech, max_clip=30.0)
    assert clips[0] == (0.0, 18.0)  # its pause (0.5 s) is the longest once the clip is half full
    assert all(b - a <= 30.0 for a, b in clips) and _covers_every_region_once(speech, clips)


def test_everything_that_fits_is_one_clip_and_a_too_long_region_is_capped() -> None:
    assert pack_clips([(1.0, 4.0), (6.0, 9.0)]) == [(1.0, 9.0)]
    assert pack_clips([(0.0, 31.0), (32.0, 35.0)]) == [(0.0, 30.0), (32.0, 35.0)]
    assert pack_clips([]) == []


def test_clips_stay_within_the_limit_on_many_regions() -> None:
    speech, t = [], 0.0
    for i in range(300):  # irregular regions and pauses
        length, pause = 0.5 + (i * 7 % 11), 0.1 + (i * 5 % 13) / 10
        speech.append((t, t + length))
        t += length + pause
    clips = pack_clips(speech, max_clip=30.0)
    assert all(0 < b - a <= 30.0 for a, b in clips)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(clips, clips[1:], strict=False))
    assert _covers_every_region_once(speech, clips)
    assert sum(b - a for a, b in clips) / len(clips) > 15.0  # half full at least, on average well over


def test_real_speech_gives_clips_inside_the_recording() -> None:
    audio = load_audio(DATA / "ami" / "trn03.flac")
    clips = speech_clips(audio, 30.0)
    assert clips and all(0.0 <= a < b <= audio.duration + 1e-6 and b - a <= 30.0 for a, b in clips)


def test_clips_decoded_in_groups_give_the_same_words_and_language(monkeypatch) -> None:
    """Features a few batches at a time (an hour's at once held ~350 MB): same text, same word
    times and the same detected language as one call over every clip. Base is multilingual, so
    the language is detected from the first group and handed to the others."""
    import pipeline.asr as asr
    from pipeline.config import AsrOptions

    full = load_audio(ROOT / "samples" / "excerpt.mp3")
    audio = replace(full, samples=full.samples[: 100 * full.sample_rate])
    transcriber = asr.FasterWhisperTranscriber(AsrOptions(model="base", batch_size=2, beam_size=1))
    assert len(speech_clips(audio, 30.0)) > 2  # so one batch per group makes two groups or more
    monkeypatch.setattr(asr, "BATCHES_PER_GROUP", 1)
    grouped = transcriber.transcribe(audio)
    monkeypatch.setattr(asr, "BATCHES_PER_GROUP", 1000)
    whole = transcriber.transcribe(audio)
    assert grouped.language == whole.language == "en"
    assert grouped.language_probability == whole.language_probability
    assert grouped.segments == whole.segments and len(whole.segments) > 3


def test_the_encoder_takes_clips_one_at_a_time_for_the_same_words(monkeypatch) -> None:
    """Same segments and word times as the batch through the encoder at once (real base, real speech)."""
    import pipeline.asr as asr
    from pipeline.config import AsrOptions

    full = load_audio(ROOT / "samples" / "excerpt.mp3")
    audio = replace(full, samples=full.samples[: 100 * full.sample_rate])
    transcriber = asr.FasterWhisperTranscriber(AsrOptions(model="base", batch_size=4, beam_size=1))
    assert len(speech_clips(audio, 30.0)) > 2  # a batch holds several clips
    model = transcriber._model.model  # the batched pipeline's WhisperModel
    shapes: list[tuple[int, ...]] = []
    encode = model.encode
    monkeypatch.setattr(model, "encode", lambda features: (shapes.append(features.shape), encode(features))[1])
    monkeypatch.setattr(asr, "SPLIT_ENCODER", True)
    split = transcriber.transcribe(audio)
    assert any(len(shape) == 3 and shape[0] > 1 for shape in shapes), shapes  # the split path ran
    monkeypatch.setattr(asr, "SPLIT_ENCODER", False)
    whole = transcriber.transcribe(audio)
    assert split.segments == whole.segments and len(whole.segments) > 3


ENCODE_PEAK = """
import sys, numpy as np
import pipeline.asr as asr
from pipeline.models import resolve_whisper
def status(key):
    return int(open("/proc/self/status").read().split(key + ":")[1].split()[0]) // 1024
asr.SPLIT_ENCODER = sys.argv[1] == "split"
model = asr._one_clip_encoder()(resolve_whisper("base").path, device="cpu", compute_type="int8", cpu_threads=2)
model.encode(np.zeros((1, 80, 3000), np.float32))
before = status("VmRSS")
open("/proc/self/clear_refs", "w").write("5")  # resets the peak (VmHWM) to the current RSS
out = model.encode(np.zeros((4, 80, 3000), np.float32))
assert np.array(out).shape == (4, 1500, 512)
print(status("VmHWM") - before)
"""


def test_one_clip_at_a_time_lowers_the_encoders_peak() -> None:
    """A batch of 4 through the encoder at once holds 4 x 8 heads x 1500 x 1500 attention floats
    (about 290 MB); one at a time, a quarter of that. Each in a fresh process: its own peak RSS."""
    import subprocess
    import sys

    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux's /proc peak-RSS reset")
    rise = {}
    for how in ("split", "whole"):
        run = subprocess.run([sys.executable, "-c", ENCODE_PEAK, how], capture_output=True, text=True, cwd=ROOT)
        assert run.returncode == 0, run.stderr
        rise[how] = int(run.stdout.split()[-1])
    assert rise["whole"] - rise["split"] > 150, rise  # MiB
