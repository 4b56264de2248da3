"""The diarization dev set: real recordings with speaker references, their degraded copies, and the samples.

Real speech: the nine AMI meeting clips in tests/data/ami (CC BY 4.0) and pyannote.audio's own
sample (an AMI excerpt, shipped in the pyannote.audio wheel). Each comes clean and in three
degraded copies a user's recordings look like:
  tel    telephone band: 300-3400 Hz, 8 kHz, G.711 mu-law
  mp3    MP3 at 32 kbit/s
  noise  pink noise at 10 dB SNR (seeded, so every run hears the same noise)
Conversations: real voices from different AMI clips, cut at their reference turns (only stretches
where one person speaks alone) and interleaved with short pauses, so that people who never met
take turns; the turns are exact by construction. They test the speaker count on longer real speech
than a 30-s clip: two voices of different sex, three women, and one woman recorded in two sessions
with one other voice (one person must stay one speaker).
Copies are made with the ffmpeg binary the pipeline itself uses, into a cache folder, once.
"""

from __future__ import annotations

import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.audio import ffmpeg_binary, load_audio
from pipeline.references import read_rttm
from pipeline.types import SAMPLE_RATE, SpeakerTurn

ROOT = Path(__file__).resolve().parent.parent
AMI = ROOT / "tests" / "data" / "ami"
SAMPLES = ("excerpt", "episode", "similar")
VARIANTS = ("clean", "tel", "mp3", "noise")
NOISE_SNR_DB = 10.0
# conversation name -> (clip, speaker) voices, taking turns in this order
CONVERSATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "mixed": (("trn03", "MÉO069"), ("trn05", "FEE078")),
    "three-women": (("trn05", "FEE078"), ("trn06", "FEE083"), ("trn07", "FEE087")),
    "one-woman-two-sessions": (("trn06", "FEE083"), ("trn03", "MÉO069"), ("trn09", "FEE083")),
}
MIN_PIECE = 1.0  # seconds: shorter solo stretches are not used
PAUSE = (0.3, 0.8)  # seconds between turns


@dataclass(frozen=True)
class Recording:
    name: str  # e.g. "ami/trn03+tel"
    path: Path
    reference: tuple[SpeakerTurn, ...]
    real: bool  # real speech (the gate's pooled DER), not a rendered sample

    @property
    def speakers(self) -> int:
        return len({t.speaker for t in self.reference})


def real_sources() -> list[tuple[str, Path, list[SpeakerTurn]]]:
    sources = [
        (f"ami/{f.stem}", f, read_rttm(AMI / "reference.rttm", uri=f.stem)) for f in sorted(AMI.glob("trn*.flac"))
    ]
    sample = _pyannote_sample()
    if sample is not None:
        sources.append(("pyannote/sample", sample, read_rttm(sample.with_suffix(".rttm"))))
    return sources


def _pyannote_sample() -> Path | None:
    from importlib.util import find_spec

    spec = find_spec("pyannote.audio")
    if spec is None or not spec.submodule_search_locations:
        return None
    wav = Path(next(iter(spec.submodule_search_locations))) / "sample" / "sample.wav"
    return wav if wav.exists() and wav.with_suffix(".rttm").exists() else None


def real_recordings(cache: Path, variants: tuple[str, ...] = VARIANTS) -> list[Recording]:
    out = []
    for name, path, reference in real_sources() + conversations(cache):
        for variant in variants:
            copy = path if variant == "clean" else degrade(path, variant, cache / f"{name.replace('/', '_')}+{variant}")
            label = name if variant == "clean" else f"{name}+{variant}"
            out.append(Recording(label, copy, tuple(reference), real=True))
    return out


def conversations(cache: Path) -> list[tuple[str, Path, list[SpeakerTurn]]]:
    cache.mkdir(parents=True, exist_ok=True)  # a fresh machine has no cache folder yet
    out = []
    for name, voices in CONVERSATIONS.items():
        target = cache / f"conv_{name}.wav"
        samples, turns = _converse(voices)
        if not target.exists():
            write_wav(target, samples)
        out.append((f"conv/{name}", target, turns))
    return out


def _converse(voices: tuple[tuple[str, str], ...]) -> tuple[np.ndarray, list[SpeakerTurn]]:
    """Round-robin the voices' solo pieces (each voice's label: "<speaker>" even across clips)."""
    rng = np.random.default_rng(len(voices))
    queues = [_solo_pieces(clip, speaker) for clip, speaker in voices]
    chunks: list[np.ndarray] = [np.zeros(int(0.5 * SAMPLE_RATE), dtype=np.float32)]
    turns: list[SpeakerTurn] = []
    cursor = 0.5
    while any(queues):
        for (_, speaker), queue in zip(voices, queues, strict=True):
            if not queue:
                continue
            piece = queue.pop(0)
            turns.append(SpeakerTurn(round(cursor, 3), round(cursor + len(piece) / SAMPLE_RATE, 3), speaker))
            pause = np.zeros(int(rng.uniform(*PAUSE) * SAMPLE_RATE), dtype=np.float32)
            chunks += [piece, pause]
            cursor += (len(piece) + len(pause)) / SAMPLE_RATE
    return np.concatenate(chunks), turns


def _solo_pieces(clip: str, speaker: str) -> list[np.ndarray]:
    """The speaker's stretches with nobody else talking, cut into 2-5 s turns."""
    audio = load_audio(AMI / f"{clip}.flac").samples
    return solo_pieces(audio, read_rttm(AMI / "reference.rttm", uri=clip), speaker, seed=len(clip) + len(speaker))


def solo_pieces(audio: np.ndarray, reference: list[SpeakerTurn], speaker: str, seed: int) -> list[np.ndarray]:
    """`speaker`'s stretches of `audio` with nobody else talking in `reference`, cut into 2-5 s pieces."""
    solo = [(t.start, t.end) for t in reference if t.speaker == speaker]
    for other in (t for t in reference if t.speaker != speaker):
        solo = [piece for lo, hi in solo for piece in _minus((lo, hi), (other.start, other.end))]
    rng = np.random.default_rng(seed)
    pieces = []
    for lo, hi in sorted(solo):
        while hi - lo >= MIN_PIECE:
            length = min(hi - lo, rng.uniform(2.0, 5.0))
            if hi - lo - length < MIN_PIECE:
                length = hi - lo
            pieces.append(audio[int(lo * SAMPLE_RATE) : int((lo + length) * SAMPLE_RATE)])
            lo += length
    return pieces


def _minus(span: tuple[float, float], cut: tuple[float, float]) -> list[tuple[float, float]]:
    (lo, hi), (a, b) = span, cut
    if b <= lo or a >= hi:
        return [span]
    return [p for p in ((lo, a), (b, hi)) if p[1] - p[0] > 0]


def sample_recordings(names: tuple[str, ...] = SAMPLES) -> list[Recording]:
    out = []
    for name in names:
        audio = ROOT / "samples" / f"{name}.mp3"
        if audio.exists():
            out.append(Recording(name, audio, tuple(read_rttm(audio.with_suffix(".ref.rttm"))), real=False))
    return out


def degrade(source: Path, variant: str, stem: Path) -> Path:
    """A degraded copy of `source` (made once, then reused): `stem` + the variant's extension."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    target = stem.with_suffix(".mp3" if variant == "mp3" else ".wav")
    if target.exists():
        return target
    partial = target.with_name(f".{target.name}.partial{target.suffix}")
    if variant == "tel":
        _ffmpeg(source, partial, ["-af", "highpass=f=300,lowpass=f=3400", "-ar", "8000", "-c:a", "pcm_mulaw"])
    elif variant == "mp3":
        _ffmpeg(source, partial, ["-ar", "16000", "-c:a", "libmp3lame", "-b:a", "32k"])
    elif variant == "noise":
        write_wav(partial, with_noise(load_audio(source).samples, NOISE_SNR_DB, seed=len(source.name)))
    else:
        raise ValueError(f"unknown variant {variant!r}; one of {VARIANTS}")
    partial.replace(target)
    return target


def with_noise(samples: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    """`samples` plus pink noise `snr_db` below the signal's power (1/f shaped in the frequency domain)."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(len(samples)))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    noise = np.fft.irfft(spectrum, n=len(samples))
    signal_power = float(np.mean(samples.astype(np.float64) ** 2))
    noise *= np.sqrt(signal_power / 10 ** (snr_db / 10) / max(float(np.mean(noise**2)), 1e-12))
    return np.clip(samples + noise, -1.0, 1.0).astype(np.float32)


def _ffmpeg(source: Path, target: Path, args: list[str]) -> None:
    command = [ffmpeg_binary(), "-nostdin", "-v", "error", "-y", "-i", str(source), "-ac", "1", *args, str(target)]
    subprocess.run(command, check=True)


def write_wav(path: Path, samples: np.ndarray) -> None:
    """16-bit mono WAV at 16 kHz."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes())


def first_seconds(samples: np.ndarray, turns: list[SpeakerTurn], seconds: float) -> np.ndarray:
    """The first `seconds` of speech in `turns` (one speaker's, in order), cut from `samples` and joined:
    an enrolment clip."""
    pieces, total = [], 0.0
    for turn in turns:
        take = min(turn.end - turn.start, seconds - total)
        pieces.append(samples[int(turn.start * SAMPLE_RATE) : int((turn.start + take) * SAMPLE_RATE)])
        total += take
        if total >= seconds:
            break
    return np.concatenate(pieces)
