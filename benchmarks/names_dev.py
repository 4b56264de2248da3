"""Speaker names on real, published transcripts: precision and recall of the naming rules per genre.

    python benchmarks/names_dev.py [--cases benchmarks/names_dev/cases.jsonl] [--split tune|held|all] [--misses]
                                   [--merge] [--gecko TRANSCRIPT.json]

Each case of the dev set (benchmarks/names_dev/, see its README) is a few consecutive turns of a real
speaker-labelled transcript and, per speaker label, the name the turns themselves make clear (null
when they do not). The turns become Utterances with evenly spaced fake word times (text level, no
audio), pipeline.names.name_speakers names them, and every speaker counts once:
  precision = speakers named right / speakers named
  recall    = speakers named right / speakers with a true name
A name on a speaker whose truth is null is a wrong name, as is a name of the wrong person.
Prints one row per genre, the tuning and held-back halves, overall, and the wrong names.

--merge: the same cases as a diarizer that merged two voices would give them. For every pair of
speakers where one's turn directly follows the other's, a copy of the case labels both as one
speaker "A+B", whose true name is none (a name on it would go on the other person's words too).
Prints per genre how many merged speakers still get a name, how many the two-voice rules catch
(pipeline.names.two_voiced: asks and answers in one turn, or is spoken to by its own name), and
precision/recall on the other speakers of those copies.

--gecko: a real transcript in Gecko's JSON ("monologues" of a speaker id and timed terms), named as
labelled and with every speaker merged into one; prints each speaker's name, how and the evidence.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.names import name_speakers, two_voiced  # noqa: E402
from pipeline.types import SpeakerName, Utterance, Word  # noqa: E402

CASES = ROOT / "benchmarks" / "names_dev" / "cases.jsonl"
GENRES = ("callin", "interview", "panel", "meeting", "news", "hearing")
SPLITS = ("tune", "held")
# words before a name that say how to address the person, not who it is
TITLES = frozenset(["mr", "mrs", "ms", "miss", "dr", "doctor", "prof", "professor", "sen", "senator", "rep"])
Namer = Callable[[Sequence[Utterance]], Sequence[SpeakerName]]


@dataclass(frozen=True)
class Case:
    id: str
    genre: str
    split: str
    source: str
    url: str
    turns: tuple[tuple[str, str], ...]  # (speaker label, text)
    truth: dict[str, tuple[str, ...]]  # label -> accepted forms of the name; () when the text gives none
    note: str = ""


@dataclass
class Tally:
    named: int = 0
    right: int = 0
    true_names: int = 0
    negatives: int = 0
    wrong: list[tuple[str, str, str, str]] = field(default_factory=list)  # case, speaker, named, truth
    missed: list[tuple[str, str, str]] = field(default_factory=list)  # case, speaker, truth

    @property
    def precision(self) -> float:
        return self.right / self.named if self.named else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.true_names if self.true_names else 1.0

    def add(self, other: Tally) -> None:
        self.named += other.named
        self.right += other.right
        self.true_names += other.true_names
        self.negatives += other.negatives
        self.wrong += other.wrong
        self.missed += other.missed


def load_cases(path: Path = CASES) -> list[Case]:
    """The dev set; a malformed line is an error naming the file and line."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            truth = {label: _forms(value) for label, value in raw["truth"].items()}
            turns = tuple((str(label), str(text)) for label, text in raw["turns"])
            fields = (raw["id"], raw["genre"], raw["split"], raw["source"], raw["url"])
            cases.append(Case(*fields, turns, truth, raw.get("note", "")))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a dev-set case ({error})") from error
    return cases


def _forms(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def utterances(turns: Iterable[tuple[str, str]]) -> tuple[Utterance, ...]:
    """(speaker, text) turns as utterances whose words are spread evenly (0.3 s a word)."""
    out, clock = [], 0.0
    for speaker, text in turns:
        words = []
        for token in text.split():
            words.append(Word(clock, clock + 0.3, " " + token, 0.9, speaker))
            clock += 0.35
        if words:
            out.append(Utterance(words[0].start, words[-1].end, text, tuple(words), speaker))
        clock += 0.5
    return tuple(out)


def right_name(named: str, forms: Sequence[str]) -> bool:
    """Whether a name given to a speaker is one of the accepted forms of the true name: every word of
    it (titles dropped) is a word of the truth, one letter off allowed in words of four letters or
    more ("Glen" for "Glenn"), and "Ling Ling" = "Lingling". Stricter than pipeline.names.same_person,
    which compares first names only: "Richard Smith" is not "Richard Kyle" here."""
    return any(_right_form(named, form) for form in forms)


def _right_form(named: str, truth: str) -> bool:
    said, true = _words(named), _words(truth)
    if not said:
        return False
    if "".join(said) == "".join(true):
        return True
    return all(any(_close(word, other) for other in true) for word in said)


def _words(name: str) -> list[str]:
    words = [re.sub(r"[^a-z]", "", w.lower()) for w in re.split(r"[\s.]+", name)]
    return [w for w in words if w and w not in TITLES]


def _close(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def score_case(case: Case, namer: Namer = name_speakers) -> Tally:
    found = {n.speaker: n.name for n in namer(utterances(case.turns))}
    tally = Tally()
    for label, forms in case.truth.items():
        named = found.get(label)
        tally.true_names += bool(forms)
        tally.negatives += not forms
        if named is not None:
            tally.named += 1
            if forms and right_name(named, forms):
                tally.right += 1
            else:
                tally.wrong.append((case.id, label, named, forms[0] if forms else "(none)"))
        if forms and (named is None or not right_name(named, forms)):
            tally.missed.append((case.id, label, forms[0]))
    for label in set(found) - set(case.truth):  # a label the truth does not list is a wrong name
        tally.named += 1
        tally.wrong.append((case.id, label, found[label], "(not a speaker)"))
    return tally


def score(cases: Sequence[Case], namer: Namer = name_speakers) -> dict[str, Tally]:
    """Tallies per genre, per split and overall ("all")."""
    tallies: dict[str, Tally] = {key: Tally() for key in (*GENRES, *SPLITS, "all")}
    for case in cases:
        one = score_case(case, namer)
        for key in (case.genre, case.split, "all"):
            tallies.setdefault(key, Tally()).add(one)
    return tallies


def table(tallies: dict[str, Tally]) -> str:
    lines = [f"{'':12s} {'names':>5s} {'nulls':>5s} {'named':>5s} {'right':>5s} {'wrong':>5s} {'P':>6s} {'R':>6s}"]
    for key, t in tallies.items():
        if key in SPLITS:
            key = f"half: {key}"
        lines.append(
            f"{key:12s} {t.true_names:5d} {t.negatives:5d} {t.named:5d} {t.right:5d} {len(t.wrong):5d} "
            f"{t.precision:6.3f} {t.recall:6.3f}"
        )
    return "\n".join(lines)


def merged_cases(case: Case) -> list[tuple[Case, str]]:
    """Copies of `case` with two speakers that take turns made one, and that speaker's label."""
    labels = [label for label, _ in case.turns]
    pairs = sorted({(min(a, b), max(a, b)) for a, b in zip(labels, labels[1:], strict=False) if a != b})
    out = []
    for a, b in pairs:
        both = f"{a}+{b}"
        turns = tuple((both if label in (a, b) else label, text) for label, text in case.turns)
        truth = {label: forms for label, forms in case.truth.items() if label not in (a, b)}
        out.append((replace(case, turns=turns, truth={**truth, both: ()}), both))
    return out


@dataclass
class MergeTally:
    copies: int = 0
    named: int = 0  # merged speakers that still got a name
    caught: int = 0  # merged speakers that two_voiced marks
    others: Tally = field(default_factory=Tally)  # the copies' other speakers


def score_merged(cases: Sequence[Case], namer: Namer = name_speakers) -> dict[str, MergeTally]:
    """Per genre and overall: merged speakers named and caught, and the other speakers' scores."""
    tallies: dict[str, MergeTally] = {key: MergeTally() for key in (*GENRES, "all")}
    for case in cases:
        for copy, both in merged_cases(case):
            found = {n.speaker for n in namer(utterances(copy.turns))}
            caught = any(u.speaker == both for u in two_voiced(utterances(copy.turns)))
            others = score_case(replace(copy, truth={k: v for k, v in copy.truth.items() if k != both}), namer)
            others.named -= both in found  # counted above as a name on a label the truth does not list
            others.wrong = [w for w in others.wrong if w[1] != both]
            for key in (case.genre, "all"):
                t = tallies.setdefault(key, MergeTally())
                t.copies, t.named, t.caught = t.copies + 1, t.named + (both in found), t.caught + caught
                t.others.add(others)
    return tallies


def merge_table(tallies: dict[str, MergeTally]) -> str:
    head = f"{'':12s} {'copies':>6s} {'named':>6s} {'rate':>6s} {'caught':>6s}   others: {'P':>6s} {'R':>6s}"
    lines = [head]
    for key, t in tallies.items():
        rate = t.named / t.copies if t.copies else 0.0
        lines.append(
            f"{key:12s} {t.copies:6d} {t.named:6d} {rate:6.3f} {t.caught:6d}           "
            f"{t.others.precision:6.3f} {t.others.recall:6.3f}"
        )
    return "\n".join(lines)


def gecko_utterances(path: Path, merge: bool = False) -> tuple[Utterance, ...]:
    """A Gecko transcript's monologues as utterances (punctuation joined to the word before it);
    with `merge`, every monologue is one speaker's, "ALL"."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for monologue in data["monologues"]:
        speaker = "ALL" if merge else str(monologue["speaker"]["id"])
        words: list[Word] = []
        for term in monologue["terms"]:
            if term["type"] == "WORD":
                words.append(Word(term["start"], term["end"], " " + term["text"], 0.9, speaker))
            elif words:
                words[-1] = replace(words[-1], text=words[-1].text + term["text"])
        if words:
            text = "".join(w.text for w in words).strip()
            out.append(Utterance(words[0].start, words[-1].end, text, tuple(words), speaker))
    return tuple(out)


def gecko_report(path: Path) -> str:
    lines = []
    for merge in (False, True):
        utts = gecko_utterances(path, merge)
        speakers = sorted({u.speaker for u in utts if u.speaker})
        named = {n.speaker: n for n in name_speakers(utts)}
        held = {u.speaker: u.why for u in two_voiced(utts)}
        lines.append(f"{'merged into one' if merge else 'as labelled'}: {len(speakers)} speaker(s)")
        for speaker in speakers:
            n = named.get(speaker)
            said = f"{n.name} ({n.how}: {n.evidence[0].text!r} at {n.evidence[0].start:.1f} s)" if n else "no name"
            lines.append(f"  {speaker}: {said}" + (f"; two voices: {held[speaker]}" if speaker in held else ""))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--split", choices=(*SPLITS, "all"), default="all")
    parser.add_argument("--misses", action="store_true", help="also list the true names left unnamed")
    parser.add_argument("--merge", action="store_true", help="score copies with two speakers merged into one")
    parser.add_argument("--gecko", type=Path, help="name a Gecko JSON transcript, as labelled and merged")
    args = parser.parse_args()
    cases = [c for c in load_cases(args.cases) if args.split in ("all", c.split)]
    if args.gecko:
        print(gecko_report(args.gecko))
        return
    if args.merge:
        print(f"{len(cases)} cases, every pair of speakers that take turns merged into one\n")
        print(merge_table(score_merged(cases)))
        return
    tallies = score(cases)
    print(f"{len(cases)} cases from {len({c.source for c in cases})} sources\n")
    print(table(tallies))
    print("\nwrong names (case, speaker: named -> truth):")
    for case_id, label, named, truth in tallies["all"].wrong or [("-", "-", "-", "-")]:
        print(f"  {case_id}, {label}: {named} -> {truth}")
    if args.misses:
        print("\nnot named (case, speaker: truth):")
        for case_id, label, truth in tallies["all"].missed:
            print(f"  {case_id}, {label}: {truth}")


if __name__ == "__main__":
    main()
