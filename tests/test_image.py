"""The built image run as a batch job runs it (podman or docker): `scripts/build_image.sh cpu` first.

Without podman/docker or without the image these tests skip and say why; .ci/run builds the image and
sets PODSCRIBE_REQUIRE_IMAGE=1, so there a missing engine or image fails instead. The cuda image's
checks are slow (it is a 3 GB build): `bash scripts/build_image.sh cuda && pytest -m slow tests/test_image.py`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from pipeline.evaluate import cp_word_error_rate

from .conftest import ROOT, SAMPLES

ENGINE = os.environ.get("ENGINE") or shutil.which("podman") or shutil.which("docker")
CPU_IMAGE = os.environ.get("PODSCRIBE_IMAGE", "podscribe:cpu")
CUDA_IMAGE = os.environ.get("PODSCRIBE_CUDA_IMAGE", "podscribe:cuda")
REQUIRED = os.environ.get("PODSCRIBE_REQUIRE_IMAGE") == "1"
TRANSCRIBE = str(Path(sys.executable).parent / "transcribe")
FAST = ["--model", "tiny.en", "-f", "json", "-q"]  # the same options on the host and in the container


def _env() -> dict[str, str]:
    """podman as root in this sandbox needs the settings build_image.sh also uses."""
    env = dict(os.environ)
    podman_as_root = ENGINE is not None and Path(ENGINE).name == "podman" and os.getuid() == 0
    if podman_as_root and "CONTAINERS_CONF" not in env and shutil.which("runc"):
        env["CONTAINERS_CONF"] = str(ROOT / "scripts" / "podman-sandbox.conf")
    return env


def _has_image(image: str) -> bool:
    if ENGINE is None:
        return False
    return subprocess.run([ENGINE, "image", "inspect", image], capture_output=True, env=_env()).returncode == 0


def _need(image: str) -> None:
    if _has_image(image):
        return
    why = "podman/docker not installed" if ENGINE is None else f"image {image} missing"
    hint = f"{why}: bash scripts/build_image.sh {image.rsplit(':', 1)[-1]}"
    if REQUIRED and image == CPU_IMAGE:
        pytest.fail(hint)
    pytest.skip(hint)


def run(*args: str, data: Path, image: str = CPU_IMAGE, opts: tuple[str, ...] = (), timeout: int = 600):
    cmd = [ENGINE or "podman", "run", "--rm", *opts, "-v", f"{data}:/data", image, *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=timeout)


def _data_dir(tmp_path: Path, *files: tuple[str, Path | bytes]) -> Path:
    """A folder the image's default user (uid 10001) and any --user may write in."""
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o777)
    for name, src in files:
        if isinstance(src, bytes):
            (data / name).write_bytes(src)
        else:
            shutil.copyfile(src, data / name)
    return data


def _speaker_texts(doc: dict) -> dict[str, str]:
    texts: dict[str, list[str]] = {}
    for utterance in doc["utterances"]:
        texts.setdefault(utterance["speaker"], []).append(utterance["text"])
    return {speaker: " ".join(parts) for speaker, parts in texts.items()}


@pytest.fixture(scope="module")
def short_clip() -> Path:
    return ROOT / "tests" / "data" / "jfk.flac"  # 11 s, one speaker


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory: pytest.TempPathFactory):
    """The excerpt and a broken file as one folder, through the container."""
    _need(CPU_IMAGE)
    data = _data_dir(
        tmp_path_factory.mktemp("batch"), ("excerpt.mp3", SAMPLES / "excerpt.mp3"), ("broken.mp3", b"x" * 4096)
    )
    return data, run(".", "-o", "out", *FAST, data=data)


def test_the_excerpt_gives_the_host_runs_speakers_and_words(batch_run, tmp_path: Path) -> None:
    """Diarization is identical to the host's; the int8 decoder's words differ in a handful of places
    (measured: "US"/"U.S." twice, one comma, one short phrase; cpWER 2.3 % between the two) although the
    decoded audio, every package version and the options are the same: CPython 3.11.2 here against the
    host venv's interpreter. So words are held to 3 % cpWER with each speaker matched to itself."""
    data, result = batch_run
    host = subprocess.run([TRANSCRIBE, str(SAMPLES / "excerpt.mp3"), "-o", str(tmp_path), *FAST], capture_output=True)
    assert host.returncode == 0, host.stderr
    inside, outside = (json.loads(p.read_text()) for p in (data / "out" / "excerpt.json", tmp_path / "excerpt.json"))
    assert inside["diarization"] == outside["diarization"] and inside["diarization"]["turns"]
    assert len(inside["speakers"]) >= 2 and inside["speakers"] == outside["speakers"]
    cp = cp_word_error_rate(_speaker_texts(outside), _speaker_texts(inside))
    assert cp.cpwer <= 0.03 and all(a == b for a, b in cp.assignment), cp


def test_a_folder_with_one_bad_file_exits_1_and_writes_the_others(batch_run) -> None:
    data, result = batch_run
    assert result.returncode == 1, result.stderr
    assert "broken.mp3" in result.stderr
    assert sorted(p.name for p in (data / "out").iterdir() if not p.name.startswith("transcribe-")) == ["excerpt.json"]


def test_a_bad_flag_exits_2_with_one_line(tmp_path: Path) -> None:
    _need(CPU_IMAGE)
    result = run("--no-such-flag", "x.mp3", data=_data_dir(tmp_path))
    assert result.returncode == 2
    assert "--no-such-flag" in result.stderr and result.stdout == ""


def test_sigterm_to_the_container_exits_130_and_leaves_no_partial_file(tmp_path: Path) -> None:
    _need(CPU_IMAGE)
    data = _data_dir(tmp_path, ("episode.mp3", SAMPLES / "episode.mp3"))
    name = f"podscribe-test-{uuid.uuid4().hex[:8]}"
    cmd = [
        ENGINE or "podman",
        "run",
        "--rm",
        "--name",
        name,
        "-v",
        f"{data}:/data",
        CPU_IMAGE,
        "episode.mp3",
        "-o",
        "out",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    time.sleep(12)  # well into the work: the model is loaded, decoding has begun
    assert proc.poll() is None, proc.communicate()
    subprocess.run([ENGINE or "podman", "kill", "--signal", "TERM", name], check=True, capture_output=True, env=_env())
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert not (data / "out").exists() or list((data / "out").iterdir()) == []


def test_user_of_the_caller_owns_the_outputs(tmp_path: Path, short_clip: Path) -> None:
    _need(CPU_IMAGE)
    data = _data_dir(tmp_path, ("jfk.flac", short_clip))
    for uid, gid in ((os.getuid(), os.getgid()), (54321, 54321)):  # the caller, and a uid the image never saw
        result = run("jfk.flac", "-o", f"out-{uid}", *FAST, data=data, opts=("--user", f"{uid}:{gid}"))
        assert result.returncode == 0, result.stderr
        out = data / f"out-{uid}" / "jfk.json"
        assert (out.stat().st_uid, out.stat().st_gid) == (uid, gid)


def test_read_only_root_with_a_tmpfs_tmp(tmp_path: Path, short_clip: Path) -> None:
    _need(CPU_IMAGE)
    data = _data_dir(tmp_path, ("jfk.flac", short_clip))
    result = run("jfk.flac", "-o", "out", *FAST, data=data, opts=("--read-only", "--tmpfs", "/tmp"))
    assert result.returncode == 0, result.stderr
    assert "country" in (data / "out" / "jfk.json").read_text().lower()


def test_no_network_at_run_time(tmp_path: Path, short_clip: Path) -> None:
    _need(CPU_IMAGE)
    data = _data_dir(tmp_path, ("jfk.flac", short_clip))
    result = run("jfk.flac", "-o", "out", "--model", "base", "-f", "txt", "-q", data=data, opts=("--network=none",))
    assert result.returncode == 0, result.stderr
    assert "country" in (data / "out" / "jfk.txt").read_text()


def test_ray_inside_the_container(tmp_path: Path, short_clip: Path) -> None:
    _need(CPU_IMAGE)
    data = _data_dir(tmp_path, ("a.flac", short_clip), ("b.flac", short_clip))
    result = run(".", "--ray", "--workers", "1", "-o", "out", *FAST, data=data, opts=("--shm-size=256m",))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (data / "out").glob("*.json") if not p.name.startswith("transcribe-")) == [
        "a.json",
        "b.json",
    ]


CUDA_CHECK = """
import ctypes, torch
from pipeline.cuda_libs import preload
loaded = preload()
cudnn = preload(["libcudnn.so.9"])
for soname in ("libcublas.so.12", "libcublasLt.so.12", "libcudnn.so.9"):
    ctypes.CDLL(soname)  # by soname, as CTranslate2 and torch ask for them
print(torch.__version__, torch.version.cuda, sorted(loaded), sorted(cudnn))
"""


@pytest.mark.slow
def test_cuda_image_libraries_resolve_and_torch_is_the_cuda_build(tmp_path: Path) -> None:
    _need(CUDA_IMAGE)
    result = run("-c", CUDA_CHECK, data=_data_dir(tmp_path), image=CUDA_IMAGE, opts=("--entrypoint", "python"))
    assert result.returncode == 0, result.stderr
    version, cuda, *_ = result.stdout.split()
    assert version.startswith("2.13.0") and "+cpu" not in version and cuda.startswith("13.")
    assert "libcublas.so.12" in result.stdout and "libcudnn.so.9" in result.stdout


@pytest.mark.slow
def test_cuda_image_without_a_gpu_says_so_in_one_line(tmp_path: Path, short_clip: Path) -> None:
    _need(CUDA_IMAGE)
    data = _data_dir(tmp_path, ("jfk.flac", short_clip))
    result = run("jfk.flac", "--device", "cuda", "-o", "out", data=data, image=CUDA_IMAGE)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--device cuda" in lines[0], result.stderr
    assert not any((data / "out").glob("*")), "nothing was written"
