"""Known voices: name the speakers whose voice matches an enrolled person, and save named voices for later.

A person is enrolled from one clip or several (`NAME.wav`, or `NAME/*.mp3` for several) or from a voices
file written by --save-voices. A clip's voice is the diarizer's own speaker embedding for the clip's
main speaker, so enrolled voices and episode speakers live in the same space. Each episode speaker
is matched one-to-one (Hungarian assignment on cosine similarity) and named only at or above
THRESHOLD. A voices file records the embedding model; one from another model is refused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ConfigError
from .types import Evidence, SpeakerName

THRESHOLD = 0.65  # cosine; benchmarks/voices_eval.py: same person 0.77-0.97 (one noisy 0.55 fragment), others <= 0.54
FORMAT = "podscribe-voices"
AUDIO_SUFFIXES = (".wav", ".mp3", ".flac", ".m4a", ".ogg", ".opus", ".aac", ".webm", ".mp4")
MAX_PER_PERSON = 20  # embeddings kept per person in a voices file (newest last)

Vector = tuple[float, ...]
Embed = Callable[[Path], Vector | None]  # a clip's main-speaker embedding, None when it has no speech


@dataclass(frozen=True)
class VoiceBank:
    model: str  # the embedding model the vectors come from
    people: tuple[tuple[str, tuple[Vector, ...]], ...]  # (name, its voice embeddings)

    def centroids(self) -> tuple[list[str], np.ndarray]:
        names = [name for name, _ in self.people]
        rows = [_unit(np.mean(np.asarray(vectors), axis=0)) for _, vectors in self.people]
        return names, np.asarray(rows) if rows else np.zeros((0, 0))


def load_voices(path: Path, embed: Embed, model: str) -> VoiceBank:
    """A voices file, or a folder of clips (NAME.ext, NAME/*.ext) embedded with `embed`."""
    if path.is_file():
        return read_voices_file(path, model)
    if not path.is_dir():
        raise ConfigError(f"{path}: --voices needs a folder of NAME.wav / NAME/*.mp3 clips or a voices file")
    people = []
    for entry in sorted(path.iterdir()):
        clips = sorted(p for p in entry.iterdir() if _is_audio(p)) if entry.is_dir() else [entry]
        clips = [c for c in clips if _is_audio(c)]
        vectors = [v for clip in clips if (v := embed(clip)) is not None]
        if clips and not vectors:
            raise ConfigError(f"{clips[0]}: no speech found for {_person(entry)}; use 10-20 s of their voice alone")
        if vectors:
            people.append((_person(entry), tuple(vectors)))
    if not people:
        raise ConfigError(f"{path}: no voice clips found (NAME.wav, or NAME/*.mp3 for several clips per person)")
    return VoiceBank(model, tuple(people))


def read_voices_file(path: Path, model: str) -> VoiceBank:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        people = tuple((str(n), tuple(tuple(float(x) for x in v) for v in vs)) for n, vs in data["voices"].items())
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ConfigError(f"{path}: not a voices file ({err}); write one with --save-voices") from None
    if data.get("model") != model:
        raise ConfigError(
            f"{path}: voices were saved with embedding model {data.get('model')!r}, this run uses {model!r}; "
            "enrol again from clips (--voices DIR), then --save-voices"
        )
    return VoiceBank(model, people)


def match_voices(
    bank: VoiceBank, voices: Sequence[tuple[str, Vector]], threshold: float = THRESHOLD
) -> tuple[SpeakerName, ...]:
    """One enrolled person per speaker at most, and one speaker per person: the best one-to-one match."""
    from scipy.optimize import linear_sum_assignment

    names, enrolled = bank.centroids()
    if not voices or not names:
        return ()
    speakers = [s for s, _ in voices]
    found = np.asarray([_unit(np.asarray(v)) for _, v in voices])
    similarity = found @ enrolled.T  # (speakers, people)
    rows, cols = linear_sum_assignment(similarity, maximize=True)
    out = []
    for r, c in zip(rows, cols, strict=True):
        if similarity[r, c] >= threshold:
            note = Evidence(f"voice: cosine {similarity[r, c]:.3f} to enrolled {names[c]!r}", 0.0, 0.0, "voice")
            out.append(SpeakerName(speakers[r], names[c], "voice", round(float(similarity[r, c]), 3), (note,)))
    return tuple(out)


def save_voices(path: Path, learned: dict[str, list[Vector]], model: str) -> None:
    """Write the learned voices, added to those already in `path` (nothing there is dropped)."""
    people: dict[str, list[Vector]] = {}
    if path.exists():
        for name, saved in read_voices_file(path, model).people:
            people[name] = list(saved)
    for name, vectors in learned.items():
        people[name] = (people.get(name, []) + vectors)[-MAX_PER_PERSON:]
    voices = {n: [list(v) for v in vs] for n, vs in people.items()}
    data = {"format": FORMAT, "version": 1, "model": model, "voices": voices}
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(data) + "\n", encoding="utf-8")
    os.replace(partial, path)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def _is_audio(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in AUDIO_SUFFIXES and not path.name.startswith(".")


def _person(entry: Path) -> str:
    return (entry.name if entry.is_dir() else entry.stem).replace("_", " ")
