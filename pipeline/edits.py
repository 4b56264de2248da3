"""Reviewer edits (from the review page's `<stem>.edits.json`): the schema, its validation, and applying
them to a Transcript. Pure functions, no I/O; `apply_cli` reads and writes the files.

An edits file is a short list of changes, not a copy of the transcript (docs/review.md):

    {"format": "podscribe-edits", "version": 1,
     "transcript": {"source": "episode.mp3", "fingerprint": "sha256:..."},
     "edits": [{"kind": "rename", "speaker": "SPEAKER_00", "name": "Ann"},
               {"kind": "reassign", "words": [12, 30], "speaker": "SPEAKER_01"},
               {"kind": "merge", "speaker": "SPEAKER_02", "into": "SPEAKER_01"},
               {"kind": "correct", "word": 17, "text": "pyannote"}]}

Word indices count the transcript's words in order from 0 (`words` is half-open: [first, last + 1]) and
always refer to the transcript the edits were made from; edits apply in list order, the same replay the
page does. The fingerprint ties the file to that transcript.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .align import merge_turns
from .types import Diarization, Segment, SpeakerName, SpeakerTurn, Transcript, Utterance, Word

FORMAT = "podscribe-edits"
VERSION = 1
MAX_TEXT = 200  # longest speaker name or word text an edit may carry
FIELDS: dict[str, frozenset[str]] = {
    "rename": frozenset({"kind", "speaker", "name"}),
    "reassign": frozenset({"kind", "words", "speaker"}),
    "merge": frozenset({"kind", "speaker", "into"}),
    "correct": frozenset({"kind", "word", "text"}),
}


class EditsError(ValueError):
    """The edits do not fit the schema or the transcript; the message says which edit and why."""


@dataclass(frozen=True)
class Edits:
    source: str
    fingerprint: str
    edits: tuple[dict[str, Any], ...]

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(_canonical(list(self.edits)).encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "transcript": {"source": self.source, "fingerprint": self.fingerprint},
            "edits": list(self.edits),
        }


def fingerprint(t: Transcript) -> str:
    """Identifies a transcript's words, times, speakers and their names (as the JSON stores them)."""
    words = [[round(w.start, 3), round(w.end, 3), w.text, w.speaker] for w in t.words]
    speakers = [[s, t.label(s)] for s in speakers_of(t)]
    return "sha256:" + hashlib.sha256(_canonical([speakers, words]).encode()).hexdigest()


def speakers_of(t: Transcript) -> list[str]:
    """Every speaker id of the transcript: diarization order first, then any only words carry."""
    seen: dict[str, None] = dict.fromkeys(t.diarization.speakers if t.diarization else ())
    for word in t.words:
        if word.speaker is not None:
            seen.setdefault(word.speaker, None)
    return list(seen)


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def parse(data: Any) -> Edits:
    """Check the file's shape (not yet against a transcript); raise EditsError naming the fault."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise EditsError(f"not a podscribe edits file (format must be {FORMAT!r})")
    if data.get("version") != VERSION:
        raise EditsError(f"edits version {data.get('version')!r} is not supported (expected {VERSION})")
    extra = set(data) - {"format", "version", "transcript", "edits"}
    if extra:
        raise EditsError(f"unknown field {sorted(extra)[0]!r} in the edits file")
    meta = data.get("transcript")
    if not isinstance(meta, dict) or not isinstance(meta.get("fingerprint"), str):
        raise EditsError("'transcript' must hold the fingerprint of the transcript the edits were made from")
    edits = data.get("edits")
    if not isinstance(edits, list):
        raise EditsError("'edits' must be a list")
    for index, edit in enumerate(edits):
        _check_shape(index, edit)
    return Edits(str(meta.get("source", "")), meta["fingerprint"], tuple(edits))


def _check_shape(index: int, edit: Any) -> None:
    where = f"edit {index}"
    if not isinstance(edit, dict) or edit.get("kind") not in FIELDS:
        raise EditsError(f"{where}: 'kind' must be one of {', '.join(FIELDS)}")
    kind = edit["kind"]
    if set(edit) != FIELDS[kind]:
        raise EditsError(f"{where} ({kind}): fields must be exactly {', '.join(sorted(FIELDS[kind]))}")
    for key in ("speaker", "into"):
        if key in edit and not isinstance(edit[key], str):
            raise EditsError(f"{where} ({kind}): '{key}' must be a speaker id")
    for key in ("name", "text"):
        if key in edit and (not isinstance(edit[key], str) or len(edit[key]) > MAX_TEXT):
            raise EditsError(f"{where} ({kind}): '{key}' must be text of at most {MAX_TEXT} characters")
    if kind == "rename" and not edit["name"].strip():
        raise EditsError(f"{where} (rename): the new name is empty")
    if kind == "correct" and not _is_index(edit["word"]):
        raise EditsError(f"{where} (correct): 'word' must be a word index (0 or more)")
    if kind == "reassign":
        span = edit["words"]
        if not (isinstance(span, list) and len(span) == 2 and all(map(_is_index, span)) and span[0] < span[1]):
            raise EditsError(f"{where} (reassign): 'words' must be [first, last + 1] word indices")


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_fits(edits: Edits, t: Transcript) -> None:
    """The edits were made from this transcript: known speakers, word indices in range, fingerprint."""
    if edits.fingerprint != fingerprint(t):
        raise EditsError("the edits were made from another transcript (fingerprint differs)")
    speakers, count = set(speakers_of(t)), len(t.words)
    for index, edit in enumerate(edits.edits):
        for key in ("speaker", "into"):
            if key in edit and edit[key] not in speakers:
                known = ", ".join(sorted(speakers)) or "none"
                raise EditsError(f"edit {index} ({edit['kind']}): unknown speaker {edit[key]!r} (known: {known})")
        last = edit["words"][1] - 1 if edit["kind"] == "reassign" else edit.get("word", -1)
        if last >= count:
            raise EditsError(f"edit {index} ({edit['kind']}): word index {last} is out of range (0-{count - 1})")
        if edit["kind"] == "merge" and edit["speaker"] == edit["into"]:
            raise EditsError(f"edit {index} (merge): a speaker cannot be merged into itself")


def already_applied(edits: Edits, t: Transcript) -> bool:
    """True when `t` is what these very edits produced (so applying them again changes nothing)."""
    reviews = t.provenance.get("review")
    if not isinstance(reviews, list) or not reviews or not isinstance(reviews[-1], dict):
        return False
    last = reviews[-1]
    return (
        last.get("base") == edits.fingerprint
        and last.get("edits_sha256") == edits.digest
        and (last.get("result") == fingerprint(t))
    )


def apply(edits: Edits, t: Transcript) -> Transcript:
    """The corrected transcript, with the edits recorded in its provenance. Call `check_fits` first."""
    state = _State.of(t)
    for edit in edits.edits:
        state.apply(edit)
    corrected = state.transcript(t)
    record = {"base": edits.fingerprint, "edits_sha256": edits.digest, "edits": list(edits.edits)}
    record["result"] = fingerprint(corrected)
    reviews = [*t.provenance.get("review", []), record]
    return replace(corrected, provenance={**t.provenance, "review": reviews})


@dataclass
class _State:
    """Mutable working copy while edits replay (same order and meaning as the page's JavaScript)."""

    words: list[Word]
    names: dict[str, str]
    alias: dict[str, str]  # merged speaker -> the speaker it went into
    moved: list[tuple[float, float, str]]  # time spans reassigned by hand, for the speaker turns

    @classmethod
    def of(cls, t: Transcript) -> _State:
        return cls(list(t.words), {n.speaker: n.name for n in t.names}, {}, [])

    def resolve(self, speaker: str) -> str:
        while speaker in self.alias:
            speaker = self.alias[speaker]
        return speaker

    def apply(self, edit: Mapping[str, Any]) -> None:
        kind = edit["kind"]
        if kind == "rename":
            self.names[self.resolve(edit["speaker"])] = edit["name"].strip()
        elif kind == "merge":
            gone, into = self.resolve(edit["speaker"]), self.resolve(edit["into"])
            if gone != into:
                self.alias[gone] = into
                self.names.pop(gone, None)
                self.words = [replace(w, speaker=into) if w.speaker == gone else w for w in self.words]
        elif kind == "reassign":
            first, end = edit["words"]
            who = self.resolve(edit["speaker"])
            self.words[first:end] = [replace(w, speaker=who) for w in self.words[first:end]]
            self.moved.append((self.words[first].start, self.words[end - 1].end, who))
        else:
            self.words[edit["word"]] = _corrected(self.words[edit["word"]], edit["text"])

    def transcript(self, t: Transcript) -> Transcript:
        keep = [i for i, w in enumerate(self.words) if w.text.strip()]  # a word corrected to "" is deleted
        kept = [self.words[i] for i in keep]
        lines = [i for i, u in enumerate(t.utterances) for _ in u.words]
        utterances = _utterances(t, kept, [lines[i] for i in keep])
        names = tuple(_name(t, s, n) for s, n in self.names.items() if s not in self.alias)
        diar = _turns(t.diarization, self.resolve, self.moved) if t.diarization else None
        segments = tuple(_segment(s, kept) for s in t.segments)
        return replace(t, utterances=utterances, names=names, diarization=diar, segments=segments)


def _corrected(word: Word, text: str) -> Word:
    text = text.strip()
    lead = " " if word.text.startswith(" ") and text else ""  # Whisper's leading space joins words
    return replace(word, text=lead + text)


def _utterances(t: Transcript, words: list[Word], lines: list[int]) -> tuple[Utterance, ...]:
    if any(u.speaker is not None for u in t.utterances):
        return merge_turns(words) if words else ()
    groups: dict[int, list[Word]] = {}  # no speakers: each line stays a line, with its corrected words
    for word, line in zip(words, lines, strict=True):
        groups.setdefault(line, []).append(word)
    return tuple(merge_turns(g)[0] for g in groups.values())


def _name(t: Transcript, speaker: str, name: str) -> SpeakerName:
    old = next((n for n in t.names if n.speaker == speaker), None)
    if old is not None and old.name == name:
        return old
    return SpeakerName(speaker, name, "given", 1.0)


def _segment(seg: Segment, words: Sequence[Word]) -> Segment:
    inside = [w for w in words if seg.start <= (w.start + w.end) / 2 <= seg.end]
    return replace(seg, text="".join(w.text for w in inside).strip() or seg.text, words=())


def _turns(d: Diarization, resolve: Any, moved: list[tuple[float, float, str]]) -> Diarization:
    """Merged speakers relabelled; each reassigned span carved out of the turns and given to its speaker."""

    def fix(turns: Sequence[SpeakerTurn]) -> tuple[SpeakerTurn, ...]:
        out = [replace(x, speaker=resolve(x.speaker)) for x in turns]
        for start, end, who in moved:
            out = [piece for x in out for piece in _carve(x, start, end)] + [SpeakerTurn(start, end, who)]
        return _joined(sorted(out, key=lambda x: (x.start, x.end)))

    return replace(d, turns=fix(d.turns), exclusive=fix(d.exclusive), voices=())


def _carve(turn: SpeakerTurn, start: float, end: float) -> list[SpeakerTurn]:
    if turn.end <= start or turn.start >= end:
        return [turn]
    parts = [replace(turn, end=start)] if turn.start < start else []
    return parts + ([replace(turn, start=end)] if turn.end > end else [])


def _joined(turns: list[SpeakerTurn]) -> tuple[SpeakerTurn, ...]:
    """Touching or overlapping turns of one speaker become one turn."""
    out: list[SpeakerTurn] = []
    latest: dict[str, int] = {}
    for turn in turns:
        i = latest.get(turn.speaker)
        if i is not None and turn.start <= out[i].end + 1e-6:
            out[i] = replace(out[i], end=max(out[i].end, turn.end))
            continue
        latest[turn.speaker] = len(out)
        out.append(turn)
    return tuple(out)
