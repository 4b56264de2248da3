"""Reference readers: plain text (page furniture dropped), STM, RTTM, our JSON, the samples' turns.json.

Several files can be combined (e.g. `ref.txt` for words and `ref.rttm` for speaker times).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import InputError
from .formats.json_format import read_transcript
from .types import SpeakerTurn, Transcript

FORMATS = ".txt (plain text), .stm, .rttm, .json (podscribe output or samples' *.turns.json)"
_DISCUSSION = re.compile(r"^Discussion \(\d+\)$")


@dataclass(frozen=True)
class Reference:
    text: str | None = None  # all spoken words in order
    speaker_texts: dict[str, str] | None = None  # words per speaker, for cpWER
    turns: tuple[SpeakerTurn, ...] | None = None  # speaker times, for DER
    source: str = ""
    aliases: dict[str, tuple[str, ...]] | None = None  # speaker label -> other names the person goes by

    def merge(self, other: Reference) -> Reference:
        return Reference(
            text=self.text if self.text is not None else other.text,
            speaker_texts=self.speaker_texts if self.speaker_texts is not None else other.speaker_texts,
            turns=self.turns if self.turns is not None else other.turns,
            source=", ".join(s for s in (self.source, other.source) if s),
            aliases=self.aliases if self.aliases is not None else other.aliases,
        )


def read_references(paths: Sequence[str | Path]) -> Reference:
    merged = Reference()
    for path in paths:
        merged = merged.merge(read_reference(path))
    return merged


def read_reference(path: str | Path) -> Reference:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: reference file not found; check the path")
    suffix = path.suffix.lower()
    readers = {".txt": _read_text, ".stm": _read_stm, ".rttm": _read_rttm, ".json": _read_json}
    if suffix not in readers:
        raise InputError(f"{path}: unknown reference format '{suffix}'; use {FORMATS}")
    try:
        return readers[suffix](path)
    except InputError:
        raise
    except (
        UnicodeDecodeError,
        json.JSONDecodeError,
        KeyError,
        IndexError,
        ValueError,
        TypeError,
        AttributeError,
    ) as err:
        raise InputError(f"{path}: cannot read as a {suffix} reference ({_reason(err)}); use {FORMATS}") from None


def _reason(err: Exception) -> str:
    if isinstance(err, KeyError):
        return f"missing field {err}"
    return f"{type(err).__name__}: {str(err)[:160]}"


def drop_furniture(lines: Sequence[str]) -> list[str]:
    """Drop a transcript page's header: title, blurb, 'Transcript', 'Discussion (N)'.

    Recognised only as that exact shape near the top (a 'Transcript' line followed by a
    'Discussion (N)' line within the first 10 lines), so ordinary text is never cut.
    """
    stripped = [ln.strip() for ln in lines]
    for i, line in enumerate(stripped[:10]):
        if line == "Transcript" and i + 1 < len(stripped) and _DISCUSSION.match(stripped[i + 1]):
            return list(lines[i + 2 :])
    return list(lines)


def _read_text(path: Path) -> Reference:
    lines = drop_furniture(path.read_text(encoding="utf-8").splitlines())
    return Reference(text=" ".join(ln.strip() for ln in lines if ln.strip()), source=str(path))


def _read_rttm(path: Path) -> Reference:
    return Reference(turns=tuple(read_rttm(path)), source=str(path))


def _read_stm(path: Path) -> Reference:
    turns: list[SpeakerTurn] = []
    texts: dict[str, str] = {}
    words: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith(";;"):
            continue
        fields = line.split(maxsplit=5)
        if len(fields) < 5:
            raise InputError(
                f"{path}:{number}: not an STM line (file channel speaker start end [text]); fix or remove the line"
            )
        try:
            speaker, start, end = fields[2], float(fields[3]), float(fields[4])
        except ValueError:
            raise InputError(
                f"{path}:{number}: STM start/end are not numbers ({fields[3]!r}, {fields[4]!r}); fix the line"
            ) from None
        text = fields[5] if len(fields) > 5 else ""
        text = re.sub(r"^<[^>]*>\s*", "", text)  # optional <label> column
        turns.append(SpeakerTurn(start, end, speaker))
        texts[speaker] = f"{texts.get(speaker, '')} {text}".strip()
        words.append(text)
    return Reference(text=" ".join(words), speaker_texts=texts, turns=tuple(turns), source=str(path))


def read_rttm(path: str | Path, uri: str | None = None) -> list[SpeakerTurn]:
    """SPEAKER lines of an RTTM file (optionally only those of one recording `uri`)."""
    turns = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0] != "SPEAKER":
            continue
        if len(fields) < 8:
            raise InputError(f"{path}:{number}: not an RTTM SPEAKER line (needs 8+ fields); fix or remove the line")
        if uri is None or fields[1] == uri:
            try:
                start, duration = float(fields[3]), float(fields[4])
            except ValueError:
                raise InputError(
                    f"{path}:{number}: RTTM onset/duration are not numbers ({fields[3]!r}, {fields[4]!r}); fix the line"
                ) from None
            turns.append(SpeakerTurn(start, start + duration, fields[7]))
    return turns


def _read_json(path: Path) -> Reference:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "utterances" in data:
        return _from_transcript(read_transcript(path), path)  # our own output: one reader for it
    reference = _read_turns(data["turns"], path)
    aliases = data.get("aliases") or {}
    if not isinstance(aliases, dict) or not all(isinstance(v, list) for v in aliases.values()):
        raise InputError(f'{path}: "aliases" must map a speaker label to a list of names, e.g. {{"ANN": ["Ann Lee"]}}')
    return replace(reference, aliases={str(k): tuple(map(str, v)) for k, v in aliases.items()} or None)


def _from_transcript(transcript: Transcript, path: Path) -> Reference:
    if transcript.diarization is not None:
        turns = transcript.diarization.turns
    else:
        turns = tuple(SpeakerTurn(u.start, u.end, u.speaker) for u in transcript.utterances if u.speaker is not None)
    texts = transcript.speaker_texts()
    return Reference(
        text=transcript.text,
        speaker_texts=texts if turns else None,
        turns=turns or None,
        source=str(path),
    )


def _read_turns(items: list[dict], path: Path) -> Reference:
    """The samples' `*.turns.json`: `{"turns": [{"start", "end", "speaker", "text"}, ...]}`, and
    optionally `"aliases": {"LINGLING": ["Lingling Wei", "Leni"]}`."""
    turns: list[SpeakerTurn] = []
    texts: dict[str, str] = {}
    for item in items:
        speaker = item.get("speaker")
        if speaker is not None:
            turns.append(SpeakerTurn(float(item["start"]), float(item["end"]), speaker))
            texts[speaker] = f"{texts.get(speaker, '')} {item['text']}".strip()
    return Reference(
        text=" ".join(item["text"] for item in items),
        speaker_texts=texts if turns else None,
        turns=tuple(turns) if turns else None,
        source=str(path),
    )
