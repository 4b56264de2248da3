"""Speaker names from what is said: introductions, being addressed, and a host handing over.

Plain rules over the aligned transcript, no model. Each rule that fires is one piece of evidence
for (speaker, name): "I'm X" names the speaker saying it; "thanks, X" or "X, what do you think?"
names the turn before or after (by where in the turn it is said); "our next question is from X" names
the next voice. A speaker is named only when one name clearly wins on that speaker's evidence and no
other speaker claims it more strongly: a wrong name is worse than none. Whisper's spellings vary
("Glen"/"Glenn", "Ling Ling"/"Lingling"), so forms of one first name are pooled per speaker.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .cast import CastMember, key, match, near, one_off
from .types import SENTENCE_END, Evidence, SpeakerName, Unnamed, Utterance

# per rule: a hand-over names the next voice on its own; a name said mid-turn (to the person being
# answered, usually) only adds to other evidence
WEIGHTS = {"self": 3.0, "signoff": 3.0, "handover": 2.0, "floor": 2.0, "greeting": 2.0, "vocative": 1.0, "aside": 0.5}
HOW = {"self": "introduced", "signoff": "introduced", "handover": "introduced", "host": "cast"}
HOW |= {"floor": "addressed", "greeting": "addressed", "vocative": "addressed", "aside": "addressed"}
CAST_BOOST = 2.0  # a name on the cast list: one clear address is then enough
ONCE_HEARD = 0.8  # confidence factor for a name form said only once in the whole talk
MIN_SCORE = 2.0  # one addressed mention is not enough; an introduction, or two independent hints, are
MIN_MARGIN = 2.0  # the winning name must have at least this times the runner-up's score

# "McEvers", "MacAulay", "O'Connor", "Finch-Saunders"
_NAME_TOKEN = r"(?:[A-Z]')?[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:[-'][A-Z]?[a-z]+)?"
# a title before a name says how the person is addressed, not who it is: "Mr. McLean", "Senator Kyle"
TITLE = (
    r"(?:(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen)\.?\s*|(?:Senator|Congressman|Congresswoman|Representative|Governor"
    r"|Minister|Secretary|Judge|Justice|Ambassador|General|Professor|Doctor|Director|Chairman|Mayor)\s+)"
)
NAME = rf"(?:{TITLE})?(?P<name>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN})?)"
# a word ending with a full stop that does not end the sentence: a title, an initial
_ABBREVIATION = re.compile(r"(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|St|Lt|Sgt|Capt|Col|[Hh]on|[A-Z])\.")
# Capitalised words that are not names when they stand where a name could: greetings, days, places,
# and the sentence adverbs that open a sentence before a comma just as a vocative does ("Similarly, ...").
NOT_NAMES = frozenset(
    """so well yes no okay ok right thanks thank hi hello hey welcome look sure but and or now then
    folks everyone everybody guys listeners sir madam ma'am mister doctor professor president
    today tonight tomorrow yesterday monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    god jesus america europe china asia africa
    also again still plus besides instead anyway indeed meanwhile however otherwise therefore hence
    thus likewise similarly moreover furthermore nevertheless nonetheless consequently conversely
    alternatively additionally finally firstly secondly lastly next later earlier overall sometimes
    often usually actually basically honestly frankly clearly obviously apparently hopefully sadly
    luckily fortunately unfortunately interestingly importantly ultimately eventually initially
    currently recently typically generally specifically essentially personally certainly definitely
    absolutely exactly really literally seriously listen remember
    chair chairman chairwoman speaker minister premier secretary senator governor mayor councillor judge justice
    counsel colleague colleagues member members honourable honorable general ambassador officer coach father
    caller callers friend friends ladies gentlemen team
    fine great good perfect wonderful cool excellent amazing interesting agreed correct true terrific brilliant
    lovely awesome nice totally precisely yeah yep nope oh wow ah hmm um uh alright gotcha cheers sorry pardon
    what why how when where who which done deal""".split()  # noqa: SIM905 (a word list reads better so)
)
INTRODUCED = [re.compile(rf"\b(?:I'm|I am|[Mm]y name is)\s+{NAME}")]
# "Hi, this is Kevin Dubay, calling from Hartford": the name ends the clause ("this is Talk of the Nation" does
# not), and a turn that says "I'm X" too is naming its show ("I'm Lulu Miller. This is Radiolab.")
THIS_IS = re.compile(rf"\b[Tt]his is\s+{NAME}(?=\s*(?:\(ph\))?\s*(?:[,.!?]|$|\s+(?:calling|from|here)\b))")
# a reporter's sign-off at the end of a report: "Jackie Northam, NPR News, Kabul."
SIGNOFF = re.compile(rf"(?:^|[.?!]\s+){NAME},\s+(?:[A-Z]{{2,5}}\s+)?News\b")
HANDED = [
    re.compile(rf"\b(?:question|call|caller|comment|one)\s+(?:is\s+|comes\s+)?from\s+{NAME}"),
    re.compile(rf"\bnext (?:one|question|caller|guest),?\s+(?:is\s+)?{NAME}"),  # "our next caller is Bob"
    re.compile(rf"\b(?:joined by|bringing in|welcome|joining us is|joining me is)\s+(?:my\s+\w+\s+)?{NAME}"),
    # "I'm joined now by Republican strategist Kevin Madden, who...": the describing words are skipped
    re.compile(rf"\bjoined (?:now |today |here )?by\s+(?:[\w-]+\s+){{0,4}}?{NAME}(?=,|\s+who\b|\.)"),
    re.compile(rf"\b(?:[Ll]et me|[Ll]et's) bring in\s+(?:[\w-]+\s+){{0,3}}?{NAME}(?=[,.?!]|\s+(?:who|from|in)\b)"),
]
# "You're welcome, Leni" answers a thank-you: said to the one who thanked, never a hand-over
_REPLY = re.compile(r"\byou(?:'re| are)(?: very| so| most)?\s*$", re.IGNORECASE)
_PLACE = r"(?:\s+(?:in|from|on line \w+)(?:,?\s+[A-Z][\w.'-]*){1,3})"
_TITLED = rf"{TITLE}(?P<name>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN})?)"
_GIVEN = (  # what a host says after the name of the one whose turn it is
    r"go ahead|you're on|you are on|please proceed|you had a|you have the floor|the floor is yours|has the floor"
    r"|welcome to|what's on your mind|take it away|good (?:morning|afternoon|evening)"
    r"|(?:good|nice|great) to (?:see|have) you|thanks for (?:being|joining|coming)"
)
# A name alone, ending a turn: "Helen Mary."  "Ms. Waggoner."  "No. Watson."  "What are we going to see? Elizabeth?"
BARE = re.compile(rf"^{NAME}[.?!]?$")
# "Hi, Charles."  "Take it away, Jimi.": the floor to the next voice, or, opening a turn, a greeting back
HELLO = re.compile(rf"^(?:[Hh]i|[Hh]ello|[Hh]ey|[Ww]elcome|[Tt]ake it away|[Gg]o ahead),?\s+{NAME}[.!]?$")
# Said in the last sentence of a turn, these hand the floor to the next voice by name.
FLOOR = [
    # "Colette in Dayton, you're on the air."  "Ms. Gazan, go ahead."  "Suzy, you had a supplementary."
    re.compile(rf"(?:^|[.?!:,]\s+){NAME}{_PLACE}?,?\s+(?:{_GIVEN})"),
    HELLO,
    # "We'll now go to the honourable member for Calgary Centre, Mr. McLean."  "We'll go on to Mr. Genuis."
    re.compile(rf"\b(?:go|come|turn)(?:\s+(?:now|on|back|over))*\s+to\s+(?:the [^,.?!]*?,\s*)?{_TITLED}[.?!]?$"),
    re.compile(rf"\bcontinue with\s+{_TITLED}[.?!]?$"),
    # "I've got a supplementary from Hefin, and then Suzy."  "questions now on the divergence ... from Dawn Bowden."
    re.compile(rf"\b(?:supplementary|supplementaries|questions?)\b[^.?!]*?\bfrom\s+{NAME}(?=\s*(?:[.?!]|$|,\s*and\b))"),
    # "Heather's with us from Tampa."  "Dorothy's on the line with us from Baton Rouge."
    re.compile(rf"(?:^|[.?!]\s+){NAME}(?:'s| is)\s+(?:on the line|with us|on the phone|joining us)\b"),
    # "Here's your host at the Studebaker Theater ..., Peter Sagal."
    re.compile(rf"\b[Hh]ere(?:'s| is) (?:your|our) host\b.*?,?\s+{NAME}[.!]?$"),
    # "NPR's Jackie Northam reports from Kabul."  "correspondent Nick Schifrin begins our coverage."
    re.compile(
        rf"(?:'s|correspondent|reporter|editor)\s+{NAME}\s+(?:reports|explains|begins our coverage"
        r"|has (?:the story|more|the latest|this report|details))\b"
    ),
]
# Said at the start of a turn, these answer the voice before by name: "Thanks, Michel."  "Hi Neal, how's it going?"
GREETED = re.compile(
    r"^(?:(?:[Tt]hanks|[Tt]hank you)(?: for having me| so much| very much)?|[Hh]i|[Hh]ello|[Hh]ey"
    r"|[Gg]ood (?:morning|evening)|[Gg]lad to be with you|(?:[Nn]ice|[Gg]ood|[Gg]reat) to (?:see|be with|have) you"
    rf"(?: too| again)?),?\s+{NAME}(?=\s*[,.!?])"
)
# "NPR's Tamara Keith reporting.": the report just heard
REPORTED = re.compile(rf"^(?:That was\s+)?(?:[A-Z]{{2,5}}'s\s+)?{NAME}\s+reporting\b")
VOCATIVE = [
    re.compile(rf"(?:^|[.?!]\s+){NAME},"),  # "Peter, what are you seeing?"
    re.compile(rf",\s+{NAME}(?=\s*[,.?!])"),  # "Thanks for joining me, Peter."  "Thank you, Ram, for..."
    # "Thank you so much Victor"
    re.compile(rf"\b(?:[Tt]hanks|[Tt]hank you)(?: so much| very much)?(?: again)?,?\s+{NAME}\b"),
]
# "Santee, Calif."  "Mapleton, Ill."  "Tampa, Florida": a town before its state is not a vocative
_STATE_AFTER = re.compile(
    r",\s+(?:[A-Z][a-z]{1,4}\.|[A-Z]\.?[A-Z]\.?(?![a-z])|Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut"
    r"|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland"
    r"|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New \w+|North \w+|Ohio|Oklahoma"
    r"|Oregon|Pennsylvania|Rhode Island|South \w+|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia"
    r"|Wisconsin|Wyoming)\b"
)
# "... from Glen Loveland from Scottsdale": the second "from" gives the first name's town
_AFTER_A_NAME = re.compile(r"\b(?:from|is)\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?,?\s+(?:from|in|of)\s+$")
_PLACE_BEFORE = re.compile(r"\b(?:from|in|of|at|to)\s+(?:[A-Z][\w.'-]*\s+){0,2}[A-Z][\w.'-]*\s*$")
_THANKS_BACK = re.compile(r"\b(?:thank|thanks|appreciate)\b.*\bfor (?:your|that|the|this)\b", re.IGNORECASE)
_THANKS_AHEAD = re.compile(r"\b(?:thank|thanks)\b.*\bfor (?:joining|being|coming)\b", re.IGNORECASE)

# Asks and answers in one turn: a sentence hands the floor to a named person and the same turn goes on
# with that person's reply, so the diarizer put two voices in one speaker. What follows the hand-over
# must be long enough to be an answer, not the asker's own "Thank you." or "Yes, go ahead." (at most
# 4 words). On the names dev set, replies that merged into the asker's turn run 5 to 93 words
# ("Good to be with you." is 5); what real speakers add after their own hand-over (11 turns, 2-59
# words) never opens as a reply, so the opener, not the length, is what keeps a host's turn whole.
MIN_REPLY_WORDS = 5
MIN_REPLY_SECONDS = 1.5  # 5 words at an unhurried 3 words a second: a burst of fillers is no answer
OVER_TO = [re.compile(rf"\b[Oo]ver to you,?\s+{NAME}"), re.compile(rf"(?:^|[.?!]\s+){NAME},\s+over to you\b")]
# how an answer opens: "Thanks, Neal."  "Well, I think..."  "Yes."  "Hi, I'm Bob."  "Sure."
REPLY_OPENER = re.compile(
    r"^(?:thanks|thank you|well|yes|yeah|yep|sure|hi|hello|hey|good (?:morning|afternoon|evening)"
    r"|glad to|(?:nice|good|great) to (?:be|see|have|talk))\b",
    re.IGNORECASE,
)
# what a host says on after handing over, though it opens like a reply: "Thank you all for coming."
_HOST_THANKS = re.compile(
    r"^(?:thanks|thank you)\b[^.?!]*?\bfor (?:calling|joining|being|coming|the call|your call|holding|waiting)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Turn:
    speaker: str
    sentences: tuple[tuple[str, float, float], ...]  # text, start, end


def name_speakers(utterances: Sequence[Utterance], cast: Sequence[CastMember] = ()) -> tuple[SpeakerName, ...]:
    """Names that the talk makes clear, one per speaker at most, never one name for two speakers.
    With a `cast`, heard names are read as the cast's spelling and weigh more than a stranger's.
    A speaker whose turn holds two voices (`two_voiced`) gets no name."""
    turns = _turns(utterances)
    heard = " ".join(text for t in turns for text, _, _ in t.sentences)
    splits = _splits(turns)
    found: dict[str, list[tuple[str, Evidence]]] = defaultdict(list)  # speaker -> (name, evidence)
    for index in range(len(turns)):
        cut = splits[index].cut if index in splits else None
        for speaker, name, evidence in _evidence(turns, index, heard, cut):
            member = match(name, cast)
            found[speaker].append((member.name if member else name, evidence))
    two = frozenset(turns[index].speaker for index in splits)
    weigh, names = _weigher(cast), frozenset(m.name for m in cast)
    candidates = [
        c for s, items in found.items() if s not in two and (c := _decide(s, items, heard, weigh, names)) is not None
    ]
    return _with_host(_one_each(candidates), turns, found, cast, two)


def two_voiced(utterances: Sequence[Utterance]) -> tuple[Unnamed, ...]:
    """Speakers with a turn that holds two voices (the diarizer merged them), so no name from the
    talk fits them: it hands the floor to someone by name and goes on with that person's answer,
    or it says "I'm Neal Conan" and is then spoken to as Neal."""
    turns = _turns(utterances)
    out: dict[str, Unnamed] = {}
    for index, split in sorted(_splits(turns).items()):
        turn = turns[index]
        (one, start, _), (other, heard, end) = (turn.sentences[i] for i in split.shown)
        said = Evidence(f"{one} {other}", round(start, 3), round(end, 3), split.rule)
        # the time is where the other voice is heard: the answer, or the own name said back
        before = out.get(turn.speaker, Unnamed(turn.speaker, f"{split.why} at {heard:.1f} s"))
        out[turn.speaker] = replace(before, evidence=(*before.evidence, said))
    return tuple(out[s] for s in sorted(out))


def _weigher(cast: Sequence[CastMember]) -> Callable[[str, Evidence], float]:
    """Evidence weight: by rule, times CAST_BOOST for a name on the cast list."""
    names = {m.name for m in cast}
    return lambda name, ev: WEIGHTS[ev.rule] * (CAST_BOOST if name in names else 1.0)


def _turns(utterances: Sequence[Utterance]) -> list[_Turn]:
    turns: list[_Turn] = []
    for utt in utterances:
        if utt.speaker is None:
            continue
        sentences = tuple(_sentences(utt))
        if turns and turns[-1].speaker == utt.speaker:
            turns[-1] = _Turn(utt.speaker, turns[-1].sentences + sentences)
        else:
            turns.append(_Turn(utt.speaker, sentences))
    return turns


def _sentences(utt: Utterance) -> list[tuple[str, float, float]]:
    out, words = [], []
    for word in utt.words:
        words.append(word)
        if word.text.strip().endswith(SENTENCE_END) and not _ABBREVIATION.fullmatch(word.text.strip()):
            out.append(("".join(w.text for w in words).strip(), words[0].start, words[-1].end))
            words = []
    if words:
        out.append(("".join(w.text for w in words).strip(), words[0].start, words[-1].end))
    return out or [(utt.text, utt.start, utt.end)]


@dataclass(frozen=True)
class _Split:
    """A turn that holds a second voice: from sentence `cut` on, its words may be the other voice's."""

    cut: int
    shown: tuple[int, int]  # the two sentences that show it
    rule: str  # asks-and-answers, own-name
    why: str


def _splits(turns: list[_Turn]) -> dict[int, _Split]:
    """Turn index -> how the turn holds two voices, for the turns that do."""
    found = {}
    for index, turn in enumerate(turns):
        if (split := _asks_and_answers(turn) or _own_name_heard(turn)) is not None:
            found[index] = split
    return found


def _asks_and_answers(turn: _Turn) -> _Split | None:
    """The turn's first hand-over by name that the same turn answers: the other voice starts after
    it, and the hand-over itself points at that voice, so neither is read for names."""
    cut = next((i for i in range(len(turn.sentences) - 1) if _answered(turn, i)), None)
    return None if cut is None else _Split(cut, (cut, cut + 1), "asks-and-answers", "asks and answers in one turn")


def _own_name_heard(turn: _Turn) -> _Split | None:
    """ "I'm Neal Conan. ... Thanks for having me, Neal.": nobody speaks to themselves by the name
    they gave, so the words after the introduction may already be another voice's."""
    own: list[tuple[str, int]] = []  # (name introduced, sentence)
    for position, (text, _, _) in enumerate(turn.sentences):
        said_to = _vocatives(text)
        intro = next((at for name, at in own if any(same_person(n, name) for n in said_to)), None)
        if intro is not None:
            return _Split(intro + 1, (intro, position), "own-name", "is spoken to by its own name in one turn")
        own += [(name, position) for name in _matches(INTRODUCED, text)]
    return None


def _answered(turn: _Turn, position: int) -> bool:
    """Whether sentence `position` of the turn hands the floor over by name and what follows in the
    turn is long enough to be an answer and opens as one."""
    handed = _handed_to(turn.sentences[position][0], position == 0)
    rest = turn.sentences[position + 1 :]
    if not handed or not rest:
        return False
    words = sum(len(text.split()) for text, _, _ in rest)
    if words < MIN_REPLY_WORDS or rest[-1][2] - rest[0][1] < MIN_REPLY_SECONDS:
        return False
    asker = [name for text, _, _ in turn.sentences[:position] for name in _matches(INTRODUCED, text)]
    return _reads_as_reply(rest[0][0], handed, asker)


def _handed_to(text: str, opens: bool) -> list[str]:
    """Names a sentence gives the floor to: the hand-over and floor phrases, "over to you, X", or a
    question put to X by name ("Peter, what do you think?"). "Hi, Peter." opening a turn (`opens`)
    greets the voice before: "Hi, Peter. I'm Jim Drucker from..." is one caller."""
    floor = [p for p in (*FLOOR, *OVER_TO) if not (opens and p is HELLO)]
    names = _handovers(text) + _matches(floor, text)
    return names + _vocatives(text) if text.endswith("?") else names


def _reads_as_reply(first: str, handed: list[str], asker: list[str]) -> bool:
    """Whether the sentence after a hand-over opens as the other person's answer: it introduces
    itself, names the asker back, or opens with a reply word and is no bare question. Still
    addressing the person handed to, or "thanks for calling", is the asker going on."""
    said_to = _vocatives(first)
    if _HOST_THANKS.match(first) or any(same_person(n, h) for n in said_to for h in handed):
        return False
    if _matches(INTRODUCED, first) or any(same_person(n, a) for n in said_to for a in asker):
        return True
    return bool(REPLY_OPENER.match(first)) and (not first.endswith("?") or GREETED.match(first) is not None)


def _evidence(turns: list[_Turn], index: int, heard: str, cut: int | None = None):
    """(speaker named, name, evidence) for every rule that fires in turns[index]; `heard` is the
    whole talk, for rules that ask whether a name recurs. From sentence `cut` on, the turn may hold
    another voice (`_splits`): what is said there is not read."""
    turn = turns[index]
    before = turns[index - 1].speaker if index > 0 else None
    after = next((t.speaker for t in turns[index + 1 :] if t.speaker != turn.speaker), None)
    last = len(turn.sentences) - 1
    for position, (text, start, end) in enumerate(turn.sentences[:cut]):

        def said(rule: str, text: str = text, start: float = start, end: float = end) -> Evidence:
            return Evidence(text, round(start, 3), round(end, 3), rule)

        for name in _matches(INTRODUCED, text):
            yield turn.speaker, name, said("self")
        for name in _handovers(text):
            if after is not None:
                yield after, name, said("handover")
        conventions = list(_conventions(turn, position, (before, after), text, heard))
        for target, name, rule in conventions:
            yield target, name, said(rule)
        for name in _vocatives(text):
            target, rule = _addressee(position, last, before, after, text)
            if target is not None and target != turn.speaker and all(name != n for _, n, _ in conventions):
                yield target, name, said(rule)


def _conventions(turn: _Turn, position: int, around: tuple[str | None, str | None], text: str, heard: str):
    """(speaker, name, rule) for the conventions of talk shows, newscasts and meetings: a caller or
    member handed the floor in a turn's last sentence, the voice before greeted or thanked in a
    turn's first one, a reporter's sign-off, "this is X" from a caller."""
    before, after = around
    last = position == len(turn.sentences) - 1
    if last and after is not None:
        yield from ((after, name, "floor") for name in _matches(FLOOR, text) + _bare_name(turn, text, heard))
    if position == 0 and before is not None and not _THANKS_AHEAD.search(text):  # "thanks for joining" looks ahead
        yield from ((before, name, "greeting") for name in _matches([GREETED], text))
        yield from ((before, name, "floor") for name in _matches([REPORTED], text))
    if position >= len(turn.sentences) - 2:
        yield from ((turn.speaker, name, "signoff") for name in _matches([SIGNOFF], text))
    if position < 2 and not any(_matches(INTRODUCED, t) for t, _, _ in turn.sentences):
        yield from ((turn.speaker, name, "self") for name in _matches([THIS_IS], text))


def _addressee(position: int, last: int, before: str | None, after: str | None, text: str) -> tuple[str | None, str]:
    """Who a vocative in sentence `position` of a turn speaks to: the turn's first sentence answers
    the previous speaker, its last one hands to the next, one in between (an aside) goes back;
    "thanks for your question/time" goes back, "thanks for joining" ahead."""
    if _THANKS_AHEAD.search(text):
        return after, "vocative"
    if _THANKS_BACK.search(text):
        return before, "vocative"
    if position == last and (position > 0 or before is None):
        return after, "vocative"
    if position == 0 and (last > 0 or after is None or after == before):
        return before, "vocative"
    if 0 < position < last:
        return before, "aside"
    return None, "vocative"  # a one-sentence turn between two different speakers: could be either


def _matches(patterns: list[re.Pattern[str]], text: str) -> list[str]:
    """Names the patterns find, less a place said right after a name ("Glen Loveland from Scottsdale")."""
    return [
        _bare(m.group("name"))
        for p in patterns
        for m in p.finditer(text)
        if _plausible(m.group("name")) and not _AFTER_A_NAME.search(text[: m.start("name")])
    ]


def _handovers(text: str) -> list[str]:
    return [
        _bare(m.group("name"))
        for p in HANDED
        for m in p.finditer(text)
        if _plausible(m.group("name")) and not _REPLY.search(text[: m.start()])
    ]


def _bare_name(turn: _Turn, text: str, heard: str) -> list[str]:
    """A name standing alone as a turn's last sentence, when it cannot be a one-word reply ("Fine.",
    "Chirp."): it has a title or two words ("Helen Mary."), or the turn says something before it and
    the word is said again elsewhere in the talk."""
    m = BARE.match(text)
    if m is None or not _plausible(name := m.group("name")):
        return []
    if m.start("name") > 0 or " " in name:
        return [_bare(name)]
    again = len(re.findall(rf"\b{re.escape(name)}\b", heard)) > 1
    return [_bare(name)] if len(turn.sentences) > 1 and again else []


def _bare(name: str) -> str:
    return re.sub(r"'s$", "", name)  # "Nicholas Misako's from San Francisco"


def _vocatives(text: str) -> list[str]:
    """Names said to someone; a sentence counts each name once, however many patterns see it."""
    names: list[str] = []
    for pattern in VOCATIVE:
        for m in pattern.finditer(text):
            name = _bare(_after_opener(m.group("name")))
            if (
                _plausible(name)
                and name not in names
                and not _PLACE_BEFORE.search(text[: m.start("name")].rstrip(", "))
                and not _STATE_AFTER.match(text, m.end("name"))
            ):
                names.append(name)
    return names


def _after_opener(name: str) -> str:
    """ "So Victor" -> "Victor": a sentence opener that Whisper wrote without its comma ("So Victor,
    what do you think?") is not part of the name after it."""
    first, _, rest = name.partition(" ")
    return rest if rest and first.lower() in NOT_NAMES else name


def _plausible(name: str) -> bool:
    return all(token.lower() not in NOT_NAMES for token in name.split())


def _decide(
    speaker: str,
    items: list[tuple[str, Evidence]],
    heard: str,
    weigh: Callable[[str, Evidence], float],
    cast_names: frozenset[str] = frozenset(),
) -> SpeakerName | None:
    """The speaker's winning name, if it wins clearly; forms of one first name count together, and a
    short form only ever said to the speaker ("Leni" beside "Lingling Wei") is an alias, not a rival."""
    groups = _group_forms([name for name, _ in items])
    scores: dict[str, float] = defaultdict(float)
    for name, ev in items:
        scores[groups[name]] += weigh(name, ev)
    best = max(scores, key=lambda g: scores[g])
    aliases = [g for g in scores if g != best and _is_alias(g, best, items, groups)]
    runner_up = max((v for g, v in scores.items() if g != best and g not in aliases), default=0.0)
    score = scores[best]
    if score < MIN_SCORE or score < MIN_MARGIN * runner_up:
        return None
    mine = [(name, ev) for name, ev in items if groups[name] == best]
    weight_by_how: dict[str, float] = defaultdict(float)
    for name, ev in mine:
        weight_by_how[HOW[ev.rule]] += weigh(name, ev)
    how = max(weight_by_how, key=lambda h: weight_by_how[h])
    shown = _display(mine, heard, weigh)
    shown = next((n for n, _ in mine if n in cast_names), shown)  # the cast's spelling is the spelling
    confidence = score / (score + runner_up + 1.0) * (ONCE_HEARD if _times_said(shown, heard) < 2 else 1.0)
    evidence = tuple(ev for _, ev in mine)
    return SpeakerName(speaker, shown, how, round(confidence, 3), evidence, tuple(sorted(aliases)))


def _is_alias(form: str, best: str, items: list[tuple[str, Evidence]], groups: dict[str, str]) -> bool:
    said_to = all(HOW[ev.rule] == "addressed" for name, ev in items if groups[name] == form)
    first, full = form.split()[0], best.split()[0]
    return said_to and len(form.split()) == 1 and len(key(first)) < len(key(full)) and near(first, full)


def _group_forms(names: list[str]) -> dict[str, str]:
    """Map each form to its group's key: forms whose first names match (allowing one letter off,
    and "Ling Ling" = "Lingling") are one person."""
    keys: dict[str, str] = {}
    for name in sorted(set(names), key=lambda n: -names.count(n)):
        keys[name] = next((keys[other] for other in keys if same_person(name, other)), name)
    return keys


def same_person(a: str, b: str) -> bool:
    fa, fb = _first(a), _first(b)
    return fa == fb or _squash(a) == fb or _squash(b) == fa or (min(len(fa), len(fb)) >= 3 and one_off(fa, fb))


def _first(name: str) -> str:
    return key(name.split()[0])


def _squash(name: str) -> str:
    return key("".join(name.split()))


def _display(mine: list[tuple[str, Evidence]], heard: str, weigh: Callable[[str, Evidence], float]) -> str:
    """The most weighted spelling; a longer form with that same first name adds the surname, and of
    two spellings of one full name the one said more often in the whole talk wins."""
    weight: dict[str, float] = defaultdict(float)
    for name, ev in mine:
        weight[name] += weigh(name, ev)
    best = max(weight, key=lambda n: (weight[n], len(n)))
    first = best.split()[0]
    full = {n for n in weight if n.split()[0] == first and len(n.split()) == 2}
    if full:  # the talk's other spellings of that full name compete too ("Lingling Wait" / "Wei")
        full |= {m.group(0) for m in re.finditer(rf"\b{re.escape(first)}\s+{_NAME_TOKEN}\b", heard)}
    full = {n for n in full if _plausible(n)}
    if not full:
        return best
    return max(sorted(full), key=lambda n: (_times_said(n, heard), weight.get(n, 0.0)))


def _times_said(name: str, heard: str) -> int:
    return len(re.findall(rf"\b{re.escape(name)}\b", heard))


def _one_each(candidates: list[SpeakerName]) -> tuple[SpeakerName, ...]:
    """A name claimed by two speakers goes to neither unless one claim is clearly stronger."""
    kept = []
    for c in candidates:
        rivals = [o for o in candidates if o is not c and same_person(o.name, c.name)]
        if all(len(c.evidence) >= MIN_MARGIN * len(o.evidence) for o in rivals):
            kept.append(c)
    return tuple(sorted(kept, key=lambda n: n.speaker))


def _with_host(
    named: tuple[SpeakerName, ...],
    turns: list[_Turn],
    found: dict[str, list[tuple[str, Evidence]]],
    cast: Sequence[CastMember],
    held: frozenset[str] = frozenset(),
) -> tuple[SpeakerName, ...]:
    """The cast's host names the voice that opens and closes the show (one of the first two turns
    and one of the last two), when that voice has no name, no evidence for anyone else, and does
    not hold two voices (the host's name would go on the other voice's words too)."""
    hosts = [m for m in cast if m.role == "host"]
    if len(hosts) != 1 or len(turns) < 3 or any(same_person(n.name, hosts[0].name) for n in named):
        return named
    host = hosts[0]
    opens = {t.speaker for t in turns[:2]} & {t.speaker for t in turns[-2:]}
    if len(opens) != 1:
        return named
    speaker = opens.pop()
    if speaker in held or any(n.speaker == speaker for n in named):
        return named
    if any(not same_person(nm, host.name) for nm, _ in found[speaker]):
        return named
    first = next(t for t in turns if t.speaker == speaker).sentences[0]
    last = next(t for t in reversed(turns) if t.speaker == speaker).sentences[-1]
    evidence = tuple(Evidence(text, round(a, 3), round(b, 3), "host") for text, a, b in (first, last))
    return tuple(sorted((*named, SpeakerName(speaker, host.name, "cast", 0.6, evidence)), key=lambda n: n.speaker))


def given_names(entries: Sequence[str]) -> tuple[SpeakerName, ...]:
    """`--speaker-name SPEAKER_01=Ann` entries (checked by config) as names."""
    out = []
    for entry in entries:
        speaker, _, name = entry.partition("=")
        out.append(SpeakerName(speaker.strip(), name.strip(), "given", 1.0, ()))
    return tuple(out)


def combine(*layers: Sequence[SpeakerName], speakers: Sequence[str]) -> tuple[SpeakerName, ...]:
    """Layers in priority order (given, voice, talk): each speaker keeps its first name, and a name
    already held by another speaker is not given twice. Ids not in `speakers` are ignored."""
    chosen: dict[str, SpeakerName] = {}
    for layer in layers:
        for candidate in layer:
            taken = any(same_person(candidate.name, n.name) for n in chosen.values())
            if candidate.speaker in speakers and candidate.speaker not in chosen and not taken:
                chosen[candidate.speaker] = candidate
    return tuple(sorted(chosen.values(), key=lambda n: n.speaker))
