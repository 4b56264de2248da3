"""The accuracy gate's logic on hand-made summaries (pure: no models), and its command's exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from junitparser import JUnitXml

from pipeline.errors import ConfigError
from pipeline.evaluate import word_error_rate
from pipeline.gate import GateRequest, run_gate
from pipeline.gate.bootstrap import comparable, paired_bootstrap
from pipeline.gate.inputs import Item, Limits, item_ids, read_limits, read_summary
from pipeline.gate.verdict import Settings, gate

SCORE = Path(sys.executable).with_name("transcribe-score")


def metrics(errors: list[int], words: int = 20, der: float | None = None, found: int | None = None) -> dict:
    """Saved metrics as Scores.to_dict() has them: WER from per-unit errors, optionally DER and speakers."""
    total = len(errors) * words
    data: dict = {"wer": {"wer": sum(errors) / total, "substitutions": sum(errors), "deletions": 0, "insertions": 0,
                          "reference_words": total, "units": [[e, words] for e in errors]}}
    if der is not None:
        data["der"] = [{"collar": c, "der": der, "missed": der * 100, "false_alarm": 0.0, "confusion": 0.0,
                        "total": 100.0} for c in (0.0, 0.5)]
    if found is not None:
        data["speakers_found"], data["speakers_reference"] = found, 3
    return data


def summary(tmp_path: Path, name: str, **items: dict) -> Path:
    path = tmp_path / name
    files = [{"source": f"suite/{k}.mp3", "status": "done", "metrics": v} for k, v in items.items()]
    path.write_text(json.dumps({"schema_version": 1, "files": files}))
    return path


def verdicts(checks, item: str) -> dict[str, str]:
    return {c.metric: c.verdict for c in checks if c.item == item}


def test_units_add_up_to_the_whole_files_errors() -> None:
    result = word_error_rate("red green blue pink grey " * 9, "red green glue pink grey cyan " * 9)
    assert sum(e for e, _ in result.units) == result.substitutions + result.deletions + result.insertions
    assert sum(n for _, n in result.units) == result.reference_words == 45
    assert [n for _, n in result.units] == [20, 20, 5]


def test_bootstrap_tells_a_real_change_from_a_wobble() -> None:
    base = [[2, 20]] * 100
    assert not paired_bootstrap(base, base).significant
    wobble = [[3, 20]] + [[2, 20]] * 99  # one error more in 2000 words
    assert not paired_bootstrap(wobble, base).significant
    worse = [[4, 20]] * 100  # twice the errors everywhere
    diff = paired_bootstrap(worse, base)
    assert diff.significant and diff.low > 0 and diff.delta == pytest.approx(0.1)
    assert paired_bootstrap(worse, base) == diff  # seeded: the same verdict every run
    assert not comparable([[1, 20]], [[1, 19]])  # another reference: not paired


def test_limits_fail_whatever_the_baseline(tmp_path) -> None:
    items = read_summary(summary(tmp_path, "now.json", a=metrics([3] * 10)))  # WER 15 %
    limits = Limits(defaults={"max_wer": 0.2}, items={"a": {"max_wer": 0.1}})
    checks = gate(items, None, limits, Settings({}))
    assert verdicts(checks, "a")["wer"] == "fail"
    assert "past the limit" in next(c.reason for c in checks if c.metric == "wer")
    assert verdicts(gate(items, None, Limits(defaults={"max_wer": 0.2}), Settings({})), "a")["wer"] == "pass"


def test_baseline_regression_must_be_significant_unless_hard(tmp_path) -> None:
    base = read_summary(summary(tmp_path, "base.json", a=metrics([2] * 20), b=metrics([2] * 100)))
    now = read_summary(summary(tmp_path, "now.json", a=metrics([5] + [2] * 19), b=metrics([4] * 100)))
    checks = gate(now, base, Limits(), Settings({}))
    assert verdicts(checks, "a")["wer"] == "noise"  # +0.75 points, all in one unit of 20: reported, not failed
    assert verdicts(checks, "b")["wer"] == "fail"  # +10 points everywhere
    assert "significant" in next(c.reason for c in checks if c.item == "b" and c.metric == "wer")
    hard = gate(now, base, Limits(), Settings({}, hard=True))
    assert verdicts(hard, "a")["wer"] == "fail"
    assert verdicts(gate(now, base, Limits(), Settings({"wer": 0.01})), "a")["wer"] == "pass"


def test_other_metrics_compare_by_tolerance(tmp_path) -> None:
    base = read_summary(summary(tmp_path, "base.json", a=metrics([1] * 5, der=0.10, found=3)))
    now = read_summary(summary(tmp_path, "now.json", a=metrics([1] * 5, der=0.12, found=1)))
    got = verdicts(gate(now, base, Limits(), Settings({})), "a")
    assert got["der"] == got["der_c0"] == "fail" and got["speaker_error"] == "fail" and got["wer"] == "pass"
    better = verdicts(gate(base, now, Limits(), Settings({})), "a")
    assert better["der"] == "better" and better["speaker_error"] == "better"


def test_failed_missing_and_gone_items_fail(tmp_path) -> None:
    base = read_summary(summary(tmp_path, "base.json", a=metrics([1] * 5), b=metrics([1] * 5)))
    now = Item("a", "suite/a.mp3", "failed", None, error="suite/a.mp3: not found")
    checks = gate([now], base, Limits(), Settings({}))
    assert {(c.item, c.metric, c.verdict) for c in checks} == {("a", "run", "fail"), ("b", "run", "fail")}
    unscored = Item("a", "suite/a.mp3", "done", None)
    with pytest.raises(ConfigError, match="no reference"):
        gate([unscored], None, Limits(), Settings({}))


def test_pooled_item_sums_counts(tmp_path) -> None:
    items = read_summary(summary(tmp_path, "now.json", a=metrics([1] * 10), b=metrics([5] * 10)))
    checks = gate(items, None, Limits(pooled={"max_wer": 0.1}), Settings({}))
    pooled = next(c for c in checks if c.item == "(all)" and c.metric == "wer")
    assert pooled.now == pytest.approx(0.15) and pooled.verdict == "fail"


def test_item_ids_drop_the_common_folder() -> None:
    assert item_ids(["/a/x/one.mp3", "/a/x/sub/two.wav"], [None, None]) == ["one", "sub/two"]
    assert item_ids(["/somewhere/else/one.mp3"], [None]) == ["one"]
    assert item_ids(["a/one.mp3", "b/one.mp3"], [None, "mine"]) == ["a/one", "mine"]


def test_limits_file_is_checked(tmp_path) -> None:
    good = tmp_path / "limits.toml"
    good.write_text('[defaults]\nmax_wer = 0.2\n[items.a]\nmax_der = 0.1\naudio = "a.mp3"\n[tolerance]\nwer = 0.01\n')
    limits = read_limits(good)
    assert limits.for_item(Item("a", "a.mp3", "done", {}, {"max_wer": 0.3})) == {"max_wer": 0.3, "max_der": 0.1}
    for text, match in [('[defaults]\nmax_werr = 1\n', "unknown limit 'max_werr'"), ("[defaults]\nmax_wer = 'x'\n", "number"),
                        ("[nope]\n", "unknown table"), ("[tolerance]\nfoo = 1\n", "tolerance"), ("x = [", "not valid TOML")]:
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        with pytest.raises(ConfigError, match=match):
            read_limits(bad)


def test_reports_load_in_a_junit_reader(tmp_path) -> None:
    base = summary(tmp_path, "base.json", a=metrics([2] * 100), b=metrics([1] * 5))
    now = summary(tmp_path, "now.json", a=metrics([4] * 100), b=metrics([1] * 5))
    result = run_gate(GateRequest(now, baseline=base))
    assert result.failed
    path = tmp_path / "junit.xml"
    path.write_text(result.junit())
    xml = JUnitXml.fromfile(str(path))
    cases = [case for suite in xml for case in suite]
    failing = [case for case in cases if not case.is_passed]
    assert len(cases) == len(result.checks)
    assert [(c.classname, c.name) for c in failing] == [("gate.a", "wer"), ("gate.(all)", "wer")]
    assert "worse by" in failing[0].result[0].message
    md = result.markdown()
    assert md.startswith("### gate: FAILED") and "| a | wer |" in md
    document = result.as_json()
    wer = next(c for c in document["checks"] if c["item"] == "a" and c["metric"] == "wer")
    assert wer["significance"]["significant"] and wer["significance"]["interval_95"][0] > 0


def test_update_baseline_keeps_the_better_figures(tmp_path) -> None:
    base_path = summary(tmp_path, "base.json", a=metrics([2] * 100), b=metrics([3] * 100))
    now = summary(tmp_path, "now.json", a=metrics([4] * 100), b=metrics([1] * 100), c=metrics([1] * 5))
    result = run_gate(GateRequest(now, baseline=base_path, update_baseline=True))
    assert result.baseline_document is not None
    kept = {f["item"]: f["metrics"]["wer"]["wer"] for f in result.baseline_document["files"]}
    assert kept == {"a": 0.1, "b": 0.05, "c": 0.05}  # a regressed: the baseline's; b improved; c is new
    assert any(line.startswith("a: kept") for line in result.baseline_lines)


def _score(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCORE), *map(str, args)], capture_output=True, text=True, timeout=120)


def test_gate_command_exit_codes(tmp_path) -> None:
    base = summary(tmp_path, "base.json", a=metrics([2] * 100))
    same = _score("--gate", base, "--baseline", base, "--junit", tmp_path / "j.xml", "--markdown", tmp_path / "s.md")
    assert same.returncode == 0, same.stderr
    assert "gate: passed" in same.stdout and (tmp_path / "j.xml").is_file() and (tmp_path / "s.md").is_file()
    worse = _score("--gate", summary(tmp_path, "now.json", a=metrics([4] * 100)), "--baseline", base)
    assert worse.returncode == 1 and "FAIL" in worse.stdout
    (tmp_path / "broken.json").write_text("{not json")
    unscored = tmp_path / "unscored.json"
    unscored.write_text(json.dumps({"files": [{"source": "x.mp3", "status": "done", "metrics": None}]}))
    for args in [("--gate", tmp_path / "missing.json"), ("--gate", tmp_path / "broken.json"), ("--gate", unscored),
                 ("--gate", base, "--baseline", tmp_path / "missing.json"), ("--gate", base, "--limits", tmp_path / "no.toml"),
                 ("--gate", base, "--update-baseline")]:
        bad = _score(*args)
        assert bad.returncode == 2, (args, bad.stderr)
        assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr, bad.stderr


def test_first_update_makes_the_baseline(tmp_path) -> None:
    now = summary(tmp_path, "now.json", a=metrics([2] * 10))
    baseline = tmp_path / "baseline.json"
    made = _score("--gate", now, "--baseline", baseline, "--update-baseline")
    assert made.returncode == 0, made.stderr
    assert "a: added" in made.stderr and json.loads(baseline.read_text())["files"][0]["item"] == "a"
