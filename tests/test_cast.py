"""The cast list: how it is read, and how heard names are matched to it (pure logic)."""

from __future__ import annotations

import re

import pytest

from pipeline.cast import CastMember, hotwords, match, near, parse_cast
from pipeline.errors import ConfigError

CAST = parse_cast("Lingling Wei (host), Peter Landers, Glenn Loveland: guest, Victor Wong")


def test_a_list_reads_names_and_roles() -> None:
    expected = (
        CastMember("Lingling Wei", "host"),
        CastMember("Peter Landers"),
        CastMember("Glenn Loveland", "guest"),
        CastMember("Victor Wong"),
    )
    assert expected == CAST
    assert hotwords(CAST, "CHIPS Act") == "CHIPS Act Lingling Wei Peter Landers Glenn Loveland Victor Wong"
    assert parse_cast("") == () and hotwords(()) is None


def test_a_file_reads_one_person_a_line(tmp_path) -> None:
    path = tmp_path / "cast.txt"
    path.write_text("# the show\nLingling Wei (host)\n\n  Peter   Landers  \n")
    assert parse_cast(str(path)) == (CastMember("Lingling Wei", "host"), CastMember("Peter Landers"))


@pytest.mark.parametrize(
    "spec, says",
    [
        ("missing-cast.txt", "cast file not found"),
        ("Ann Lee (producer)", "cannot read 'Ann Lee (producer)'"),
        ("Ann Lee, ann  lee", "listed twice"),
        ("Ann Lee, 42", "cannot read '42'"),
    ],
)
def test_bad_casts_say_what_to_write(spec: str, says: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(says)):
        parse_cast(spec)


@pytest.mark.parametrize(
    "heard, member",
    [
        ("Lingling Wait", "Lingling Wei"),  # Whisper's surname, right first name
        ("Ling Ling", "Lingling Wei"),
        ("Glen Loveland", "Glenn Loveland"),
        ("Peter", "Peter Landers"),
        ("Leni", "Lingling Wei"),  # a short form inside the full first name
        ("Victor Wang", "Victor Wong"),
        ("Sandra", None),
        ("Peter Smith", None),  # a different surname is a different Peter
        ("Houston", None),
    ],
)
def test_heard_names_match_one_cast_member(heard: str, member: str | None) -> None:
    found = match(heard, CAST)
    assert (found.name if found else None) == member


def test_an_ambiguous_first_name_matches_nobody() -> None:
    two_peters = parse_cast("Peter Landers, Peter Wong")
    assert match("Peter", two_peters) is None
    assert match("Peter Wong", two_peters) == CastMember("Peter Wong")


def test_near_forms() -> None:
    assert near("Lenny", "Leni") and near("Glen", "Glenn") and near("Leni", "Lingling")
    assert not near("Sam", "Tom") and not near("Sandra", "Lingling") and not near("Al", "Alexander")
