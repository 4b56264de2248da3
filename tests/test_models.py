"""Bundled Whisper base: joined once into the cache, verified, rebuilt when corrupt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.errors import ModelError
from pipeline.models import BASE_SHA256, BASE_SIZE, ensure_base, resolve_whisper, sha256


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def test_base_is_joined_once_with_size_and_hash(cache) -> None:
    target = ensure_base(cache)
    model = target / "model.bin"
    assert model.stat().st_size == BASE_SIZE
    assert sorted(p.name for p in target.iterdir()) == ["checksum.json", "config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    mtime = model.stat().st_mtime_ns
    assert ensure_base(cache) == target and model.stat().st_mtime_ns == mtime  # not rebuilt


@pytest.mark.parametrize("damage", ["truncate", "flip", "no-marker"])
def test_corrupt_or_half_written_cache_is_rebuilt(cache, damage) -> None:
    target = ensure_base(cache)
    model = target / "model.bin"
    if damage == "truncate":
        with open(model, "r+b") as fh:
            fh.truncate(BASE_SIZE // 2)
    elif damage == "flip":
        with open(model, "r+b") as fh:
            fh.seek(1000)
            byte = fh.read(1)
            fh.seek(1000)
            fh.write(bytes([byte[0] ^ 0xFF]))
    else:
        os.unlink(target / "checksum.json")
    ensure_base(cache)
    assert model.stat().st_size == BASE_SIZE and (target / "checksum.json").exists()
    assert sha256(model) == BASE_SHA256, "the rebuilt file is the real one"
    assert not [p for p in cache.iterdir() if p.name.startswith(".")], "no temp directory left"


def test_resolve_names() -> None:
    assert resolve_whisper("tiny.en").bundled
    assert not resolve_whisper("large-v3").bundled  # handed to faster-whisper as a hub name


def test_directory_without_model_bin_is_a_model_error(tmp_path) -> None:
    with pytest.raises(ModelError, match="no model.bin inside"):
        resolve_whisper(str(tmp_path))


def test_verified_cache_is_not_hashed_again(cache, monkeypatch) -> None:
    import pipeline.models as models

    target = ensure_base(cache)
    monkeypatch.setattr(models, "sha256", lambda path: pytest.fail("hashed a cache whose stamp still holds"))
    assert ensure_base(cache) == target


def test_touched_cache_is_hashed_and_kept(cache) -> None:
    import json

    from pipeline.models import BASE_SHA256, sha256

    target = ensure_base(cache)
    model = target / "model.bin"
    inode = model.stat().st_ino
    os.utime(model, ns=(model.stat().st_atime_ns, model.stat().st_mtime_ns + 10**9))  # same bytes, new mtime
    assert ensure_base(cache) == target and model.stat().st_ino == inode, "verified by hash, not rebuilt"
    stamp = json.loads((target / "checksum.json").read_text())
    assert stamp["mtime_ns"] == model.stat().st_mtime_ns and stamp["sha256"] == BASE_SHA256 == sha256(model)


def test_a_concurrent_builder_that_finished_first_is_accepted(tmp_path, monkeypatch) -> None:
    """Two processes joining the cache at once: the one whose rename loses uses the winner's copy."""
    import pipeline.models as models

    winner = tmp_path / "winner"
    ensure_base(winner)
    real_replace = os.replace

    def replace(src, dst):  # the other process renames its copy in just before ours
        if Path(dst).name == "whisper-base" and not Path(dst).exists():
            real_replace(winner / "whisper-base", dst)
            raise OSError(39, "Directory not empty")
        return real_replace(src, dst)

    monkeypatch.setattr(models.os, "replace", replace)
    target = ensure_base(tmp_path / "shared")
    assert (target / "model.bin").stat().st_size == BASE_SIZE
    assert not [p for p in (tmp_path / "shared").iterdir() if p.name.startswith(".")], "our temp copy removed"


def test_a_read_only_cache_whose_stamp_is_stale_is_hashed_and_used(cache, monkeypatch) -> None:
    """An image layer run as another user: the inode changed, the stamp cannot be rewritten, the bytes are good."""
    import pipeline.models as models

    target = ensure_base(cache)
    model = target / "model.bin"
    os.utime(model, ns=(model.stat().st_atime_ns, model.stat().st_mtime_ns + 10**9))  # the stamp no longer holds
    hashed: list[Path] = []
    monkeypatch.setattr(models, "sha256", lambda path: hashed.append(path) or BASE_SHA256)

    def read_only(*args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(models, "_write_stamp", read_only)
    monkeypatch.setattr(models, "_build_base", lambda *a: pytest.fail("rebuilt a good read-only cache"))
    assert ensure_base(cache) == target and hashed == [model]
