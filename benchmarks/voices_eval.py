"""Known voices: how similar the same person and different people are, and the threshold that follows.

    python benchmarks/voices_eval.py [--seconds 15] [--cache DIR]

Enrols every named speaker of the rendered episode from a clip of their first SECONDS of speech in
episode.mp3, then diarizes other recordings and compares each speaker found with every enrolled voice:
  similar.mp3          another render: host, Peter, Victor and the ads in the same voices,
                       the four guests in different ones (they must not match their old clips)
  episode+noise        the same render with 10 dB pink noise
  real speech          the dev set's clean AMI clips and conversations (nobody there is enrolled)
Prints the similarity of true pairs and of the closest wrong pairs, and what the one-to-one matching
names at the shipped threshold.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.devset import degrade, first_seconds, real_recordings, sample_recordings, write_wav  # noqa: E402
from pipeline.audio import load_audio  # noqa: E402
from pipeline.config import DiarizationOptions  # noqa: E402
from pipeline.diarize.pyannote_backend import PyannoteDiarizer  # noqa: E402
from pipeline.evaluate import main_reference_speaker  # noqa: E402
from pipeline.voices import THRESHOLD, load_voices, match_voices  # noqa: E402

NAMED = ("LINGLING", "PETER", "VICTOR", "GLENN", "NICHOLAS", "RAM", "EUGENE")


def enrol_clips(episode, folder: Path, seconds: float) -> Path:
    """NAME.wav per named speaker: their first `seconds` of speech in the episode, turns joined."""
    audio = load_audio(episode.path).samples
    folder.mkdir(parents=True, exist_ok=True)
    for name in NAMED:
        turns = [t for t in episode.reference if t.speaker == name]
        write_wav(folder / f"{name.title()}.wav", first_seconds(audio, turns, seconds))
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/podscribe-devset"))
    args = parser.parse_args()
    diarizer = PyannoteDiarizer(DiarizationOptions())
    samples = {r.name: r for r in sample_recordings()}
    folder = enrol_clips(samples["episode"], args.cache / "voices", args.seconds)
    bank = load_voices(folder, lambda p: diarizer.main_voice(load_audio(p)), diarizer.voice_model)
    names, enrolled = bank.centroids()
    noisy = replace(
        samples["episode"],
        name="episode+noise",
        path=degrade(samples["episode"].path, "noise", args.cache / "audio" / "episode+noise"),
    )
    tests = [samples["similar"], noisy] + [r for r in real_recordings(args.cache / "audio", ("clean",))]
    same, different = [], []
    print(f"{'recording':32s} {'speaker':10s} {'is':14s} best enrolled (cosine)   named at {THRESHOLD}")
    for rec in tests:
        found = diarizer.diarize(load_audio(rec.path))
        truth = main_reference_speaker(found.exclusive, rec.reference)
        named = {n.speaker: n.name for n in match_voices(bank, found.voices)}
        for speaker, vector in found.voices:
            v = np.asarray(vector) / np.linalg.norm(vector)
            sims = enrolled @ v
            who = truth.get(speaker, "?")
            for name, sim in zip(names, sims, strict=True):
                enrolled_same = name.upper() == who and not (
                    rec.name == "similar" and who in ("GLENN", "NICHOLAS", "RAM", "EUGENE")
                )
                (same if enrolled_same else different).append((float(sim), rec.name, who, name))
            best = int(np.argmax(sims))
            print(
                f"{rec.name:32s} {speaker:10s} {who:14s} {names[best]:10s} {sims[best]:.3f}        {named.get(speaker, '-')}"
            )
    same.sort()
    different.sort(reverse=True)
    print(f"\nsame person ({len(same)} pairs): lowest " + ", ".join(f"{s:.3f} ({r} {w})" for s, r, w, _ in same[:4]))
    print(
        f"different people ({len(different)} pairs): highest "
        + ", ".join(f"{s:.3f} ({r} {w}~{n})" for s, r, w, n in different[:6])
    )


if __name__ == "__main__":
    main()
