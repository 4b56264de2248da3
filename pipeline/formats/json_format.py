from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from ..errors import InputError
from ..types import Diarization, Evidence, Segment, SpeakerName, SpeakerTurn, Transcript, Utterance, Word
from .base import Writer

SCHEMA_VERSION = 1


class JsonWriter(Writer):
    """Everything needed to rebuild the other formats: utterances with every word, segments, turns."""

    extension = "json"

    def write(self, transcript: Transcript, stream: TextIO) -> None:
        stream.write(dump_json(to_dict(transcript)))


def dump_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def to_dict(t: Transcript) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "source": t.source,
        "duration": round(t.duration, 3),
        "language": t.language,
        "language_probability": round(t.language_probability, 4),
        "provenance": t.provenance,
        "speakers": list(t.diarization.speakers) if t.diarization else [],
        "names": [_name(n) for n in t.names],
        "utterances": [
            {
                "speaker": u.speaker,
                "start": _r(u.start),
                "end": _r(u.end),
                "text": u.text,
                "words": [_word(w) for w in u.words],
            }
            for u in t.utterances
        ],
        "segments": [{"start": _r(s.start), "end": _r(s.end), "text": s.text} for s in t.segments],
        "diarization": _diarization(t.diarization),
    }


def _name(n: SpeakerName) -> dict[str, Any]:
    evidence = [{"text": e.text, "start": _r(e.start), "end": _r(e.end), "rule": e.rule} for e in n.evidence]
    out = {"speaker": n.speaker, "name": n.name, "how": n.how, "confidence": n.confidence, "evidence": evidence}
    return {**out, "aliases": list(n.aliases)} if n.aliases else out


def _word(w: Word) -> dict[str, Any]:
    return {
        "start": _r(w.start),
        "end": _r(w.end),
        "text": w.text,
        "probability": round(w.probability, 4),
        "speaker": w.speaker,
    }


def _diarization(d: Diarization | None) -> dict[str, Any] | None:
    if d is None:
        return None
    out: dict[str, Any] = {
        "turns": [_turn(asdict(x)) for x in d.turns],
        "exclusive": [_turn(asdict(x)) for x in d.exclusive],
    }
    if d.mixed:  # speakers left unnamed because they sound like two voices
        out["mixed"] = sorted(d.mixed)
    return out


def _turn(turn: dict[str, Any]) -> dict[str, Any]:
    return {"start": _r(turn["start"]), "end": _r(turn["end"]), "speaker": turn["speaker"]}


def _r(seconds: float) -> float:
    return round(seconds, 3)


def read_transcript(path: str | Path) -> Transcript:
    """Rebuild a Transcript from our JSON output (for scoring saved outputs without the models)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(
            f"{path}: not a podscribe JSON transcript ({type(err).__name__}: {err}); pass the .json "
            "that transcribe wrote"
        ) from None
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        version = data.get("schema_version") if isinstance(data, dict) else None
        raise InputError(
            f"{path}: not a podscribe JSON transcript (schema_version {version!r}, expected {SCHEMA_VERSION})"
        )
    try:
        return _transcript(data)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        field = f"missing field {err}" if isinstance(err, KeyError) else f"{type(err).__name__}: {err}"
        raise InputError(
            f"{path}: damaged podscribe JSON transcript ({field}); rerun transcribe to write it again"
        ) from None


def _transcript(data: dict[str, Any]) -> Transcript:
    utterances = tuple(
        Utterance(
            u["start"],
            u["end"],
            u["text"],
            tuple(Word(w["start"], w["end"], w["text"], w["probability"], w["speaker"]) for w in u["words"]),
            u["speaker"],
        )
        for u in data["utterances"]
    )
    diar = data.get("diarization")
    diarization = None
    if diar:
        diarization = Diarization(
            turns=tuple(SpeakerTurn(t["start"], t["end"], t["speaker"]) for t in diar["turns"]),
            exclusive=tuple(SpeakerTurn(t["start"], t["end"], t["speaker"]) for t in diar["exclusive"]),
            mixed=frozenset(diar.get("mixed", ())),
        )
    segments = tuple(Segment(s["start"], s["end"], s["text"]) for s in data.get("segments", []))
    return Transcript(
        source=data["source"],
        duration=data["duration"],
        language=data["language"],
        language_probability=data["language_probability"],
        utterances=utterances,
        segments=segments,
        diarization=diarization,
        provenance=data.get("provenance", {}),
        names=tuple(
            SpeakerName(
                n["speaker"],
                n["name"],
                n["how"],
                n["confidence"],
                tuple(Evidence(e["text"], e["start"], e["end"], e.get("rule", "")) for e in n["evidence"]),
                tuple(n.get("aliases", ())),
            )
            for n in data.get("names", [])
        ),
    )
