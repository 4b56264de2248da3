"""A cast list: the people a recording is known to hold, as AssemblyAI's speaker identification takes them.

`--cast "Lingling Wei (host), Peter Landers, Victor Wong"` or `--cast cast.txt` (one person a line, `#`
comments). A role in brackets or after a colon: `host` or `guest`. The names serve twice: as
faster-whisper hotwords, so they are spelled right, and in the naming rules, where a heard name is
matched to the cast ("Lingling Wait" -> "Lingling Wei", "Glen Loveland" -> "Glenn Loveland") and a cast
name counts as stronger evidence than a stranger's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

ROLES = ("host", "guest")
_ENTRY = re.compile(r"^(?P<name>[^():]+?)\s*(?:\((?P<role>[^)]*)\)|:\s*(?P<role2>\w+))?$")


@dataclass(frozen=True)
class CastMember:
    name: str
    role: str | None = None  # host / guest


def parse_cast(spec: str | None) -> tuple[CastMember, ...]:
    """A comma-separated list, or the path of a file with one entry a line."""
    if not spec or not spec.strip():
        return ()
    path = Path(spec)
    if "," not in spec and (path.is_file() or re.search(r"[/\\]|\.\w+$", spec)):  # a path, not a name
        if not path.is_file():
            raise ConfigError(f"{spec}: cast file not found; give the file's path or a comma-separated list of names")
        lines = path.read_text(encoding="utf-8").splitlines()
        entries = [line.split("#", 1)[0] for line in lines]
    else:
        entries = spec.split(",")
    members = tuple(_member(e.strip(), spec) for e in entries if e.strip())
    seen = [key(m.name) for m in members]
    if len(set(seen)) != len(seen):
        raise ConfigError(f"cast '{spec}': a name is listed twice; list each person once")
    return members


def _member(entry: str, spec: str) -> CastMember:
    m = _ENTRY.match(entry)
    role = ((m.group("role") or m.group("role2") or "") if m else "").strip().lower() or None
    if m is None or not re.search(r"[A-Za-z]", m.group("name")) or (role is not None and role not in ROLES):
        raise ConfigError(
            f"cast '{spec}': cannot read '{entry}'; write a name, optionally with a role: "
            "'Ann Lee (host)' or 'Ann Lee: guest'"
        )
    return CastMember(" ".join(m.group("name").split()), role)


def hotwords(cast: Sequence[CastMember], extra: str | None = None) -> str | None:
    """The cast's names for faster-whisper's `hotwords`, after any the user gave."""
    words = [extra] if extra else []
    words += [m.name for m in cast]
    return " ".join(words) or None


def key(name: str) -> str:
    """A spelling-tolerant form of one name token: lower case, letters only, doubled letters once,
    a final -y/-ie/-ey as -i ("Glenn" = "Glen", "Lenny" = "Leni")."""
    token = re.sub(r"[^a-z]", "", name.lower())
    token = re.sub(r"(.)\1+", r"\1", token)
    return re.sub(r"(?:ie|ey|y)$", "i", token)


def near(a: str, b: str) -> bool:
    """Two name tokens that are one spelling apart (after `key`), or one a nickname-like short form
    of the other: same first letter, its consonants in order inside the other's ("Leni" in "Lingling")."""
    ka, kb = key(a), key(b)
    if ka == kb or (min(len(ka), len(kb)) >= 3 and one_off(ka, kb)):
        return True
    short, long_ = sorted((ka, kb), key=len)
    return len(short) >= 3 and short[0] == long_[0] and _in_order(_consonants(short), _consonants(long_))


def match(heard: str, cast: Sequence[CastMember]) -> CastMember | None:
    """The one cast member a heard name stands for, or None when none or several fit. A full name
    fits when the first names are near and the surnames share their first letter ("Wait" ~ "Wei");
    a first name alone fits a cast member with that first name."""
    tokens = heard.split()
    if not tokens:
        return None
    fits = [m for m in cast if _fits(tokens, m.name.split())]
    exact = [m for m in fits if key(m.name.split()[0]) == key(tokens[0])]
    chosen = exact if len(exact) == 1 else fits
    return chosen[0] if len(chosen) == 1 else None


def _fits(heard: list[str], member: list[str]) -> bool:
    joined = key("".join(heard)) in (key("".join(member)), key(member[0]))  # "Ling Ling" = "Lingling"
    if joined or not near(heard[0], member[0]):
        return joined
    if len(heard) == 1 or len(member) == 1:
        return True
    return key(heard[-1])[:1] == key(member[-1])[:1]


def _consonants(token: str) -> str:
    return re.sub(r"[aeiouy]", "", token)


def _in_order(short: str, long_: str) -> bool:
    rest = iter(long_)
    return all(ch in rest for ch in short)


def one_off(a: str, b: str) -> bool:
    """Edit distance of at most one."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
