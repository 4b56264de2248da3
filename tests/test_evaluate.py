"""Scoring: normaliser, reference readers, WER/cpWER/DER on hand-made cases, report, scoring-only CLI."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from pipeline.cli import score_app
from pipeline.errors import InputError
from pipeline.evaluate import cp_word_error_rate, diarization_error_rate, normalize, score, word_error_rate
from pipeline.formats import WRITERS
from pipeline.references import drop_furniture, read_reference, read_references
from pipeline.report import render_report
from pipeline.types import SpeakerTurn

from .conftest import ROOT, make_transcript

SEED = ROOT / "seeds" / "wsj-whats-news-2025-12-14.transcript.txt"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It's twenty-five dollars.", "it is $25"),
        ("We're 3rd, aren't we?", "we are 3rd are not we"),
        ("Mr. Smith won't go", "mister smith will not go"),
        ("  Hello,   WORLD!  ", "hello world"),
        ("one hundred and five percent", "105%"),
    ],
)
def test_normaliser_numbers_and_contractions(text, expected) -> None:
    assert normalize(text) == expected


def test_seed_reader_drops_exactly_the_furniture() -> None:
    lines = SEED.read_text().splitlines()
    kept = drop_furniture(lines)
    assert kept == lines[4:]
    assert kept[0].startswith("If you're early in your career")
    ref = read_reference(SEED)
    assert "Discussion (0)" not in ref.text and "Episode Date" not in ref.text
    assert ref.text.split()[:3] == ["If", "you're", "early"]


def test_plain_text_without_furniture_is_kept_whole(tmp_path) -> None:
    path = tmp_path / "r.txt"
    path.write_text("Transcript of the call\nline two\n")
    assert read_reference(path).text == "Transcript of the call line two"


@pytest.mark.parametrize(
    ("ref", "hyp", "wer", "s", "d", "i"),
    [
        ("the cat sat on the mat", "the cat sat on the mat", 0.0, 0, 0, 0),
        ("the cat sat on the mat", "the cat sat on a mat", 1 / 6, 1, 0, 0),
        ("the cat sat on the mat", "the cat on the mat", 1 / 6, 0, 1, 0),
        ("the cat sat", "the big cat sat down", 2 / 3, 0, 0, 2),
        ("Hello, world.", "hello world", 0.0, 0, 0, 0),
        ("a b", "", 1.0, 0, 2, 0),
    ],
)
def test_known_wer(ref, hyp, wer, s, d, i) -> None:
    out = word_error_rate(ref, hyp)
    assert out.wer == pytest.approx(wer) and (out.substitutions, out.deletions, out.insertions) == (s, d, i)


def test_cpwer_finds_best_speaker_permutation() -> None:
    ref = {"A": "hello there how are you", "B": "fine thanks"}
    swapped = cp_word_error_rate(ref, {"x": "fine thanks", "y": "hello there how are you"})
    assert swapped.cpwer == 0.0 and dict(swapped.assignment) == {"A": "y", "B": "x"}
    merged = cp_word_error_rate(ref, {"x": "hello there how are you fine thanks"})
    # A matches x (2 insertions), B has no partner (2 deletions): 4 errors / 7 words
    assert merged.cpwer == pytest.approx(4 / 7) and merged.missed_speakers == 1


def test_der_on_tiny_reference() -> None:
    ref = [SpeakerTurn(0, 10, "A"), SpeakerTurn(10, 20, "B")]
    perfect = [SpeakerTurn(0, 10, "x"), SpeakerTurn(10, 20, "y")]
    assert diarization_error_rate(ref, perfect).der == 0.0
    late = [SpeakerTurn(0, 11, "x"), SpeakerTurn(11, 20, "y")]  # 1 s of B given to A's cluster
    assert diarization_error_rate(ref, late).der == pytest.approx(1 / 20)
    assert diarization_error_rate(ref, late, collar=2.0).der == pytest.approx(0.0)
    missing = [SpeakerTurn(0, 10, "x")]
    out = diarization_error_rate(ref, missing)
    assert out.der == pytest.approx(0.5) and out.missed == pytest.approx(10)


def test_stm_rttm_json_and_unknown_formats(tmp_path) -> None:
    stm = tmp_path / "r.stm"
    stm.write_text(";; comment\nep 1 A 0.0 2.0 <o,f0,male> hello there\nep 1 B 2.0 3.0 hi\n")
    ref = read_reference(stm)
    assert ref.text == "hello there hi" and ref.speaker_texts == {"A": "hello there", "B": "hi"} and len(ref.turns) == 2
    rttm = tmp_path / "r.rttm"
    rttm.write_text("SPEAKER ep 1 0.000 2.000 <NA> <NA> A <NA> <NA>\n")
    assert read_reference(rttm).turns == (SpeakerTurn(0.0, 2.0, "A"),) and read_reference(rttm).text is None
    both = read_references([tmp_path / "r.stm", rttm])
    assert both.text == "hello there hi" and len(both.turns) == 2
    turns_json = read_reference(ROOT / "samples" / "excerpt.turns.json")
    assert set(turns_json.speaker_texts) == {"VICTOR", "LINGLING", "EUGENE"}
    bad = tmp_path / "r.docx"
    bad.write_text("x")
    with pytest.raises(InputError, match="unknown reference format '.docx'"):
        read_reference(bad)
    broken = tmp_path / "b.json"
    broken.write_text("{not json")
    with pytest.raises(InputError, match="b.json: cannot read as a .json reference"):
        read_reference(broken)


def test_score_and_report_on_hand_made_transcript(tmp_path) -> None:
    transcript = make_transcript()
    ref_path = tmp_path / "ref.json"
    ref_path.write_text(WRITERS["json"]().render(transcript))
    reference = read_reference(ref_path)
    scores = score(transcript, reference)
    assert scores.wer.wer == 0.0 and scores.cpwer.cpwer == 0.0 and scores.der[0].der == 0.0
    page = render_report(transcript, reference, scores)
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "&lt;everyone&gt;" not in page
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")


def test_scoring_only_cli_matches_in_memory_scores(tmp_path) -> None:
    transcript = make_transcript()
    hyp = tmp_path / "ep.json"
    hyp.write_text(WRITERS["json"]().render(transcript))
    ref = tmp_path / "ref.txt"
    ref.write_text("Welcome to the show and thanks everyone for listening today. Thank you. Back after an hour.")
    result = CliRunner().invoke(score_app, [str(hyp), "-r", str(ref), "--json", str(tmp_path / "m.json"), "--html", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "m.json").read_text())
    expected = score(transcript, read_reference(ref))
    assert saved["wer"]["wer"] == pytest.approx(expected.wer.wer) and expected.wer.insertions == 13
    again = CliRunner().invoke(score_app, [str(hyp), "-r", str(ref), "--json", str(tmp_path / "m.json")])
    assert again.exit_code == 2 and "already exists" in again.output
    missing = CliRunner().invoke(score_app, [str(tmp_path / "nope.json"), "-r", str(ref)])
    assert missing.exit_code == 2 and "transcript not found" in missing.output


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("hyp.json", '{"schema_version": 1, "utterances": [', "hyp.json: not a podscribe JSON transcript (JSONDecodeError"),
        ("hyp.json", '[1, 2, 3]', "hyp.json: not a podscribe JSON transcript (schema_version None"),
        ("hyp.json", '{"schema_version": 1, "source": "x"}', "hyp.json: damaged podscribe JSON transcript (missing field 'utterances')"),
        ("ref.stm", "ep 1 A 0.0\n", "ref.stm:1: not an STM line"),
        ("ref.stm", "ep 1 A zero 1.0 hello\n", "ref.stm:1: STM start/end are not numbers"),
        ("ref.rttm", "SPEAKER ep 1 0.5\n", "ref.rttm:1: not an RTTM SPEAKER line (needs 8+ fields)"),
        ("ref.rttm", "SPEAKER ep 1 start 1.0 <NA> <NA> A <NA> <NA>\n", "ref.rttm:1: RTTM onset/duration are not numbers"),
        ("ref.json", '{"turns": [{"start": 0, "speaker": "A", "text": "hi"}]}', "ref.json: cannot read as a .json reference (missing field 'end')"),
        ("ref.txt", b"\xff\xfe\x00bad", "ref.txt: cannot read as a .txt reference (UnicodeDecodeError"),
    ],
)
def test_score_cli_malformed_input_one_line_exit_2(tmp_path, name, content, message) -> None:
    hyp, ref = tmp_path / "hyp.json", tmp_path / "ref.txt"
    hyp.write_text(WRITERS["json"]().render(make_transcript()))
    ref.write_text("Welcome to the show.")
    bad = tmp_path / name
    bad.write_bytes(content) if isinstance(content, bytes) else bad.write_text(content)
    target_ref = bad if name.startswith("ref") else ref
    result = CliRunner().invoke(score_app, [str(hyp), "-r", str(target_ref)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {tmp_path / name}") and message.split(": ", 1)[1] in lines[0], lines
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_der_and_cpwer_raise_no_warnings() -> None:
    import warnings

    ref = [SpeakerTurn(0.0, 2.0, "A"), SpeakerTurn(2.0, 4.0, "B")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test: nothing is hidden any more
        der = diarization_error_rate(ref, [SpeakerTurn(0.5, 4.0, "x")], collar=0.0)
        cp = cp_word_error_rate({"A": "hello there", "B": "yes"}, {"x": "hello there yes"})
    assert der.der == pytest.approx((0.5 + 1.5) / 4.0) and der.total == 4.0  # 0.5 s missed, A confused
    assert cp.cpwer == pytest.approx(2 / 3)


def test_der_scores_the_union_of_both_extents() -> None:
    """Hypothesis speech before the reference starts is false alarm, as pyannote's own guess would count it."""
    result = diarization_error_rate([SpeakerTurn(2.0, 4.0, "A")], [SpeakerTurn(0.0, 4.0, "x")], collar=0.0)
    assert result.false_alarm == pytest.approx(2.0) and result.der == pytest.approx(1.0)


CHROMIUM = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium not installed (apt-get install chromium; .ci/run installs it)")
def test_report_renders_in_headless_chromium(tmp_path) -> None:
    from PIL import Image

    transcript = make_transcript()
    ref_path = tmp_path / "ref.json"
    ref_path.write_text(WRITERS["json"]().render(transcript))
    reference = read_reference(ref_path)
    page = tmp_path / "report.html"
    page.write_text(render_report(transcript, reference, score(transcript, reference)))
    shot = tmp_path / "shot.png"
    profile = f"--user-data-dir={tmp_path / 'profile'}"
    subprocess.run([*CHROMIUM, profile, "--window-size=1100,900", f"--screenshot={shot}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    image = Image.open(shot).convert("L")
    assert image.size == (1100, 900)
    dark = sum(image.histogram()[:128]) / (image.size[0] * image.size[1])
    assert 0.005 < dark < 0.5, f"screenshot looks blank or broken: {dark:.1%} dark pixels"
    colours = Image.open(shot).convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50, "text, table and timeline colours are drawn"
    dom = subprocess.run([*CHROMIUM, profile, "--dump-dom", page.as_uri()], check=True, capture_output=True, text=True, timeout=120).stdout
    metrics = re.search(r"<h2>Metrics</h2>\s*<table>(.*?)</table>", dom, re.S)
    assert metrics, "the metrics table is in the rendered page"
    assert re.search(r"<td>WER</td>\s*<td>0\.00%</td>", metrics.group(1)) and "<td>DER collar 0.5</td>" in metrics.group(1)


def test_shipped_turns_are_the_seeds_spoken_text_word_for_word() -> None:
    rows = (ROOT / "seeds" / "wsj-whats-news-2025-12-14.turns.tsv").read_text(encoding="utf-8").splitlines()[1:]
    turns = [row.split("\t", 1) for row in rows if row.strip()]
    assert len(turns) == 30 and len({speaker for speaker, _ in turns}) == 9
    spoken = SEED.read_text(encoding="utf-8").splitlines()[4:212]
    assert " ".join(text for _, text in turns).split() == " ".join(spoken).split()


def test_named_accuracy_counts_right_wrong_and_unnamed() -> None:
    import dataclasses

    from pipeline.evaluate import is_person, named_accuracy
    from pipeline.types import SpeakerName, SpeakerTurn

    from .conftest import make_transcript

    t = make_transcript()  # SPEAKER_00 speaks 0.4-4.0 and 3660.9-3662.7, SPEAKER_01 4.0-10.6
    reference = [SpeakerTurn(0.4, 4.0, "ANN"), SpeakerTurn(4.0, 10.6, "BOB"), SpeakerTurn(3660.9, 3662.7, "ANN")]
    assert named_accuracy(reference, t) is not None and named_accuracy(reference, t).unnamed == 2
    right = dataclasses.replace(t, names=(SpeakerName("SPEAKER_00", "Ann Lee", "introduced", 0.8),))
    result = named_accuracy(reference, right)
    assert (result.correct, result.wrong, result.unnamed) == (1, 0, 1)
    assert result.speech == pytest.approx((3.6 + 1.8) / (3.6 + 6.6 + 1.8), abs=1e-3)
    wrong = dataclasses.replace(t, names=(SpeakerName("SPEAKER_01", "Ann", "addressed", 0.6),))
    result = named_accuracy(reference, wrong)
    assert (result.correct, result.wrong, result.speech) == (0, 1, 0.0)
    ads = [SpeakerTurn(0.4, 10.6, "AD_1")]
    assert named_accuracy(ads, right) is None  # nobody in that reference is a person
    assert [is_person(x) for x in ("LINGLING", "Ann Lee", "FEE083", "AD_CAPITAL", "speaker90")] == [True, True, False, False, False]


def test_names_survive_the_json_round_trip(tmp_path) -> None:
    import dataclasses

    from pipeline.formats.json_format import JsonWriter, read_transcript
    from pipeline.types import Evidence, SpeakerName

    from .conftest import make_transcript

    name = SpeakerName("SPEAKER_01", "Bob", "addressed", 0.75, (Evidence("Thanks, Bob.", 4.0, 4.8, "vocative"),))
    t = dataclasses.replace(make_transcript(), names=(name,))
    path = tmp_path / "t.json"
    with path.open("w") as out:
        JsonWriter().write(t, out)
    assert read_transcript(path).names == (name,)
    assert read_transcript(path).label("SPEAKER_01") == "Bob" and read_transcript(path).label("SPEAKER_00") == "SPEAKER_00"


def test_a_listed_alias_names_the_right_person(tmp_path) -> None:
    import dataclasses

    from pipeline.evaluate import named_accuracy
    from pipeline.references import read_reference
    from pipeline.types import SpeakerName

    from .conftest import make_transcript

    path = tmp_path / "ref.turns.json"
    turns = [{"start": 0.4, "end": 4.0, "speaker": "LINGLING", "text": "a"}, {"start": 4.0, "end": 10.6, "speaker": "BOB", "text": "b"}]
    path.write_text(json.dumps({"aliases": {"LINGLING": ["Lingling Wei", "Leni"]}, "turns": turns}))
    reference = read_reference(path)
    lenny = dataclasses.replace(make_transcript(), names=(SpeakerName("SPEAKER_00", "Lenny", "introduced", 0.8),))
    assert named_accuracy(reference.turns, lenny).wrong == 1  # without the list, a stranger's name
    result = named_accuracy(reference.turns, lenny, reference.aliases)
    assert (result.correct, result.wrong) == (1, 0)  # Whisper's "Lenny" is the "Leni" the talk calls her
    bob_as_leni = dataclasses.replace(make_transcript(), names=(SpeakerName("SPEAKER_01", "Leni", "addressed", 0.6),))
    assert named_accuracy(reference.turns, bob_as_leni, reference.aliases).wrong == 1
    path.write_text(json.dumps({"aliases": {"LINGLING": "Leni"}, "turns": turns}))
    with pytest.raises(InputError, match='"aliases" must map a speaker label to a list of names'):
        read_reference(path)
