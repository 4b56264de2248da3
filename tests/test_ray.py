"""The batch job on Ray: one local Ray cluster (2 CPUs) for every test here, real tiny.en on real audio.

Checks the contract of `--ray`: the same outputs as a local run byte for byte, broken files reported
as rows, a rerun that skips everything, the CLI joining a running cluster, and a driver killed mid-run
leaving no partial file while the same command then finishes the rest.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.batch import expand_inputs
from pipeline.config import load
from pipeline.run import run

from .conftest import DATA

ray = pytest.importorskip("ray", reason="Ray is in the test extra: pip install -e '.[test]'")

from pipeline.distributed import RayOptions, run_on_ray  # noqa: E402



@pytest.fixture(scope="module")
def cluster():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture
def inputs(tmp_path) -> Path:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(DATA / "jfk.flac", folder / "jfk.flac")
    shutil.copy(DATA / "librispeech-2412-153948-0000.flac", folder / "sub" / "libri.flac")
    (folder / "broken.mp3").write_text("not audio\n" * 50)
    (folder / "empty.wav").write_bytes(b"")
    return folder


def _options(out: Path):
    return load(None, asr={"model": "tiny.en"}, output={"directory": str(out)})


def test_same_outputs_as_local_then_resume(cluster, inputs, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths, as a user types them: workers resolve them the same way
    jobs = expand_inputs(["in"])
    local = run(jobs, _options(Path("out")))
    shutil.move("out", "out-local")
    on_ray = run_on_ray(jobs, _options(Path("out")), RayOptions(min_workers=1, max_workers=2))
    assert [(r.source, r.status) for r in on_ray] == [(r.source, r.status) for r in local]
    assert sorted(r.status for r in on_ray) == ["done", "done", "failed", "failed"]
    assert "file is empty" in next(r.error for r in on_ray if r.source.endswith("empty.wav"))
    produced = sorted(p.relative_to("out") for p in Path("out").rglob("*") if p.is_file())
    assert produced == sorted(p.relative_to("out-local") for p in Path("out-local").rglob("*") if p.is_file())
    assert Path("out/sub/libri.txt") in [Path("out") / p for p in produced], "sub-folders mirrored"
    for name in produced:
        if name.suffix in (".txt", ".json", ".srt", ".vtt", ".rttm"):
            assert (Path("out") / name).read_bytes() == (Path("out-local") / name).read_bytes(), name
    mtimes = {p: p.stat().st_mtime_ns for p in Path("out").rglob("*")}
    again = run_on_ray(jobs, _options(Path("out")), RayOptions(min_workers=1, max_workers=1))
    assert sorted(r.status for r in again) == ["failed", "failed", "skipped", "skipped"]
    assert {p: p.stat().st_mtime_ns for p in Path("out").rglob("*")} == mtimes, "nothing rewritten"


def _cli(address: str, *args: str | Path) -> list[str]:
    return [sys.executable, "-m", "pipeline", *map(str, args), "--model", "tiny.en", "--ray-address", address]


def test_cli_joins_a_running_cluster(cluster, inputs, tmp_path) -> None:
    out = tmp_path / "out"
    result = subprocess.run(_cli(cluster, inputs, "-o", out), capture_output=True, text=True, timeout=600)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert sum(": done in " in ln for ln in lines) == 2 and sum(": failed: " in ln for ln in lines) == 2, lines
    assert all(ln.startswith(("[", str(inputs), "summary: ")) for ln in lines), f"only our lines: {lines}"
    summary = json.loads((out / "transcribe-summary.json").read_text())
    assert summary["counts"] == {"done": 2, "skipped": 0, "failed": 2}


def test_killed_driver_leaves_no_partial_file_and_rerun_finishes(cluster, tmp_path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(6):
        shutil.copy(DATA / ("jfk.flac" if i % 2 else "librispeech-2412-153948-0000.flac"), folder / f"ep{i}.flac")
    out = tmp_path / "out"
    command = _cli(cluster, folder, "-o", out, "--workers", "1")
    driver = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list(out.glob("*.json")):
        time.sleep(0.2)
    assert list(out.glob("*.json")), "a first file was finished"
    driver.send_signal(signal.SIGKILL)
    driver.wait(timeout=60)
    time.sleep(3)  # the job's actors go with their driver
    stems = {p.name.split(".")[0] for p in out.iterdir() if not p.name.startswith(".")}
    for stem in stems:
        assert {p.suffix for p in out.glob(f"{stem}.*")} == {".txt", ".json", ".srt", ".vtt", ".rttm", ".html"}, stem
    assert len(stems) < 6, "killed before the end"
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stderr.count(": skipped: ") == len(stems) and rerun.stderr.count(": done in ") == 6 - len(stems)
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no temp file left"


def test_unreachable_cluster_is_one_line_exit_2(tmp_path) -> None:
    result = subprocess.run(_cli("127.0.0.1:1", DATA / "jfk.flac", "-o", tmp_path / "o"), capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --ray 127.0.0.1:1: cannot reach the Ray cluster"), lines
