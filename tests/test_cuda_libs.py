"""Finding and preloading NVIDIA's wheel libraries (pipeline/cuda_libs.py), on fake site-packages trees."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline import cuda_libs
from pipeline.cuda_libs import find_libraries, preload, wheel_lib_dirs


def _lib(root: Path, component: str, name: str) -> Path:
    path = root / "nvidia" / component / "lib" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_finds_each_soname_in_the_first_root_that_has_it(tmp_path: Path) -> None:
    venv, user = tmp_path / "venv", tmp_path / "user"
    lt = _lib(venv, "cublas", "libcublasLt.so.12")
    first = _lib(user, "cublas", "libcublas.so.12")
    _lib(venv, "cublas", "libcublas.so.12")
    _lib(venv, "cu13", "libcublas.so.13")  # torch's CUDA 13 copy: another soname, never taken for 12
    found = find_libraries(["libcublasLt.so.12", "libcublas.so.12", "libcudnn.so.9"], [user, venv])
    assert found == {"libcublasLt.so.12": lt, "libcublas.so.12": first}


def test_lib_dirs_skip_roots_without_nvidia_and_files_that_are_not_lib_folders(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    _lib(tmp_path / "sp", "cudnn", "libcudnn.so.9")
    (tmp_path / "sp" / "nvidia" / "__init__.py").write_text("")
    (tmp_path / "sp" / "nvidia" / "cuda_nvrtc").mkdir()  # a component without lib/
    roots = [tmp_path / "plain", tmp_path / "missing", tmp_path / "sp", tmp_path / "sp"]
    assert wheel_lib_dirs(roots) == [tmp_path / "sp" / "nvidia" / "cudnn" / "lib"]


def test_preload_loads_a_real_library_globally_once_and_skips_broken_ones(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(cuda_libs, "_loaded", {})
    real = next(Path("/usr/lib").glob("x86_64-linux-gnu/libz.so.1*"), None) or next(Path("/lib").rglob("libz.so.1"))
    fake = tmp_path / "nvidia" / "zlib" / "lib" / "libpodscribe-test.so.1"
    fake.parent.mkdir(parents=True)
    shutil.copyfile(real, fake)
    _lib(tmp_path, "broken", "libbroken.so.1").write_bytes(b"not an ELF file")
    loaded = preload(["libpodscribe-test.so.1", "libbroken.so.1", "libabsent.so.1"], [tmp_path])
    assert loaded == {"libpodscribe-test.so.1": fake}
    assert str(fake) in Path("/proc/self/maps").read_text()  # in the process now
    shutil.rmtree(tmp_path / "nvidia" / "zlib")
    assert preload(["libpodscribe-test.so.1"], [tmp_path]) == {"libpodscribe-test.so.1": fake}  # cached


def test_a_cpu_install_preloads_nothing() -> None:
    assert preload(["libcublas.so.12"], []) == {}
