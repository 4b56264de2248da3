"""Packing VAD speech regions into Whisper clips (pure logic), and the real VAD path on real audio."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.asr import speech_spans
from pipeline.audio import load_audio
from pipeline.chunking import pack_clips, pad_regions, pauses, unheard

from .conftest import DATA

ROOT = Path(__file__).resolve().parent.parent


def speech_clips(audio, max_clip: float) -> list[tuple[float, float]]:
    """The clips the transcriber decodes: Silero VAD's speech regions, padded, packed at the pauses."""
    raw = speech_spans(audio, max_clip)
    return pack_clips(pad_regions(raw, audio.duration), max_clip, silence=pauses(raw))


def _covers_every_region_once(speech, clips) -> bool:
    inside = [sum(a <= s and e <= b + 1e-9 for a, b in clips) for s, e in speech]
    return all(n == 1 for n in inside)


def test_a_clip_ends_at_the_longest_pause_once_it_is_half_full() -> None:
    # 5-s regions; the pause after the one ending at 17.5 s is the longest before the 30-s limit
    speech = [(0.0, 5.0), (5.2, 10.2), (10.4, 15.4), (15.6, 17.5), (19.5, 24.5), (24.7, 29.7), (29.9, 34.9)]
    clips = pack_clips(speech, max_clip=30.0, min_fill=0.5)
    assert clips[0] == (0.0, 17.5)
    assert clips[1] == (19.5, 34.9)
    assert _covers_every_region_once(speech, clips)


def test_a_long_pause_early_in_the_clip_does_not_cut_it_short() -> None:
    # the 3-s pause comes 5 s in (under half full): the clip runs on and ends at the next best pause
    speech = [(0.0, 5.0), (8.0, 13.0), (13.2, 18.0), (18.5, 23.0), (23.1, 28.0), (28.1, 33.0)]
    clips = pack_clips(speech, max_clip=30.0, min_fill=0.5)
    assert clips[0] == (0.0, 18.0)  # its pause (0.5 s) is the longest once the clip is half full
    assert all(b - a <= 30.0 for a, b in clips) and _covers_every_region_once(speech, clips)


def test_padded_regions_that_touch_are_cut_at_the_longest_real_pause() -> None:
    # padded regions touch (pauses under 0.8 s are split between neighbours); the unpadded pauses
    # say where the speaker really stopped: 0.7 s after the region ending at 17.4 s
    raw = [(0.4, 9.8), (10.0, 17.4), (18.1, 22.6), (22.8, 28.7), (28.9, 33.0)]
    speech = pad_regions(raw, total=40.0)
    assert all(b1 == a2 for (_, b1), (a2, _) in zip(speech, speech[1:], strict=False))
    assert speech[0][0] == 0.0 and speech[-1][1] == 33.4
    clips = pack_clips(speech, max_clip=30.0, min_fill=0.5, silence=pauses(raw))
    assert clips[0] == pytest.approx((0.0, 17.75)) and clips[1][0] == pytest.approx(17.75)
    assert pack_clips(speech, max_clip=30.0)[0] == pytest.approx((0.0, 28.8)), "without the pauses: as full as fits"


def test_padding_matches_faster_whispers_own_padded_regions() -> None:
    from faster_whisper.vad import VadOptions

    from pipeline.vad import speech_regions

    audio = load_audio(DATA / "ami" / "trn03.flac")
    padded = speech_regions(audio.samples, VadOptions(max_speech_duration_s=5.0, min_silence_duration_ms=160), 16_000)
    want = [(r["start"] / 16_000, r["end"] / 16_000) for r in padded]
    got = pad_regions(speech_spans(audio, 5.0), audio.duration)
    assert len(want) > 3 and len(got) == len(want)
    assert max(abs(a - c) + abs(b - d) for (a, b), (c, d) in zip(got, want, strict=True)) < 1e-3


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


def test_speech_after_a_clip_s_last_word_is_unheard() -> None:
    # the clip's text stopped at 23 s (a change of voice); its speech runs on to 29.2 s
    speech = [(0.4, 12.0), (12.0, 23.4), (23.4, 29.2)]
    words = [(0.5 + i, 1.3 + i) for i in range(22)] + [(22.5, 23.0)]
    assert unheard([(0.4, 29.2)], speech, words) == [(23.5, 29.2)]


def test_gaps_at_the_start_and_in_the_middle_count_too() -> None:
    speech = [(0.0, 10.0), (10.5, 20.0)]
    words = [(3.0, 3.5), (4.0, 11.5), (12.0, 13.0), (19.0, 19.9)]
    assert unheard([(0.0, 20.0)], speech, words) == [(0.0, 2.5), (13.5, 18.5)]


def test_short_or_silent_gaps_are_heard() -> None:
    speech = [(0.0, 4.0), (9.0, 10.0)]  # 5 s of silence between two words is not missed speech
    words = [(0.2, 3.9), (9.1, 9.9)]
    assert unheard([(0.0, 10.0)], speech, words) == []
    # 1.5 s of speech with no word (a laugh, a cough, a backchannel) is under the 2-s floor
    assert unheard([(0.0, 10.0)], [(0.0, 10.0)], [(0.0, 4.0), (6.5, 10.0)]) == []
    assert unheard([(0.0, 10.0)], [(0.0, 10.0)], [(0.0, 4.0), (6.5, 10.0)], min_speech=1.0) == [(4.5, 6.0)]


def test_a_clip_without_any_word_is_unheard_whole_and_a_neighbour_s_words_do_not_count() -> None:
    speech = [(0.0, 8.0), (8.0, 16.0)]
    clips = [(0.0, 8.0), (8.0, 16.0)]
    words = [(7.9, 8.3), (8.4, 15.8)]  # the first straddles the cut but belongs to the second clip
    assert unheard(clips, speech, words) == [(0.0, 8.0)]


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


class _FakeBatched:
    """Stands in for faster-whisper's batched pipeline: each clip's text stops at a fixed time."""

    def __init__(self, stops: dict[float, float]) -> None:
        self.stops = stops  # clip start -> where its words end
        self.calls: list[list[tuple[float, float]]] = []

    def transcribe(self, samples, clip_timestamps, **kwargs):
        from types import SimpleNamespace as NS

        clips = [(c["start"], c["end"]) for c in clip_timestamps]
        self.calls.append(clips)

        def segment(a: float, b: float, text: str, ratio: float = 1.0):
            words = [NS(start=a + i, end=a + i + 0.8, word=f" {text}{i}", probability=0.9) for i in range(int(b - a))]
            return NS(start=a, end=b, text=f"{text} {a:g}", words=words, no_speech_prob=0.0, avg_logprob=-0.2, compression_ratio=ratio)

        out = []
        for a, b in clips:
            if len(self.calls) == 1:
                out.append(segment(a, self.stops.get(a, b), "first"))
            else:  # the second pass: one stretch decodes to speech, one loops
                out.append(segment(a, b, "again", ratio=3.0 if a > 40 else 1.0))
        return iter(out), NS(language="en", language_probability=0.99)


def test_unheard_stretches_are_decoded_again_in_time_order(monkeypatch) -> None:
    import numpy as np

    import pipeline.asr as asr
    from pipeline.config import AsrOptions
    from pipeline.types import Audio

    speech = [(0.0, 29.0), (30.0, 40.0), (45.0, 72.0)]
    monkeypatch.setattr(asr, "speech_spans", lambda audio, max_clip: speech)
    monkeypatch.setattr(asr, "pad_regions", lambda raw, total: raw)  # round numbers: padding has its own tests
    fake = _FakeBatched(stops={0.0: 20.0, 45.0: 50.0})  # two clips stop early; the middle one is whole
    transcriber = object.__new__(asr.FasterWhisperTranscriber)
    transcriber.options, transcriber._model = AsrOptions(model="base", batch_size=2), fake
    result = transcriber.transcribe(Audio(np.zeros(16000 * 72, np.float32), "fake.wav"))
    assert fake.calls == [[(0.0, 29.0), (30.0, 40.0), (45.0, 72.0)], [(20.3, 29.0), (50.3, 72.0)]]
    texts = [s.text for s in result.segments]
    # the looping second try at 50.3 s is dropped whole; the first stretch lands between its neighbours
    assert texts == ["first 0", "again 20.3", "first 30", "first 45"]
    monkeypatch.setattr(asr, "RECOVER_UNHEARD", False)
    fake.calls = []
    assert len(transcriber.transcribe(Audio(np.zeros(16000 * 72, np.float32), "fake.wav")).segments) == 3


def test_the_host_s_introduction_after_an_ad_is_transcribed() -> None:
    """Real base on the episode's first minute: a 23-s ad, then the host's "Are we ready? Hello, and
    welcome to ... podcast. I'm Lingling Wei". When one clip held both, some CPUs ended its text with
    the ad (the unheard stretch was then decoded again); the clip now ends at the 0.7-s pause after
    the ad. Either way every word appears once, in time order."""
    import pipeline.asr as asr
    from pipeline.config import AsrOptions
    from pipeline.evaluate import normalize

    full = load_audio(ROOT / "samples" / "episode.mp3")
    audio = replace(full, samples=full.samples[: 60 * full.sample_rate])
    result = asr.FasterWhisperTranscriber(AsrOptions(model="base")).transcribe(audio)
    text = normalize(" ".join(s.text for s in result.segments))
    assert "capital group" in text and "welcome to the world" in text and "lingling" in text, text
    assert text.count("welcome to the world") == 1 and text.count("are we ready") == 1, text
    words = [w for s in result.segments for w in s.words]
    assert all(a.start <= b.start for a, b in zip(words, words[1:], strict=False)), "words in time order"
