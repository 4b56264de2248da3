"""CUDA libraries from NVIDIA's PyPI wheels, made findable for CTranslate2 without LD_LIBRARY_PATH.

CTranslate2 4.x dlopen()s `libcublas.so.12` by name the first time it runs on a GPU. The `cuda` extra
(and the cuda image) install it from the `nvidia-cublas-cu12` wheel into site-packages/nvidia/cublas/lib,
where the dynamic loader does not look. Loading the file once by its full path with RTLD_GLOBAL puts
it among the process's loaded objects, and a later dlopen() by soname returns that copy. Torch does
the same for its own CUDA 13 wheels when it is imported; the two sets have different sonames.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from collections.abc import Iterable
from pathlib import Path

logger = logging.getLogger("podscribe")

# What CTranslate2 needs on a GPU, in load order (cuBLAS links against cuBLASLt).
CTRANSLATE2_LIBS = ("libcublasLt.so.12", "libcublas.so.12")

_loaded: dict[str, Path] = {}


def wheel_lib_dirs(roots: Iterable[str | Path]) -> list[Path]:
    """The `nvidia/<component>/lib` folders under each import root, in sys.path order, each once."""
    found: list[Path] = []
    for root in roots:
        base = Path(root) / "nvidia"
        if not base.is_dir():
            continue
        for lib in sorted(base.glob("*/lib")):
            if lib.is_dir() and lib not in found:
                found.append(lib)
    return found


def find_libraries(sonames: Iterable[str], roots: Iterable[str | Path]) -> dict[str, Path]:
    """soname -> the first file of that name in the wheel folders; names not installed are left out."""
    dirs = wheel_lib_dirs(roots)
    found: dict[str, Path] = {}
    for soname in sonames:
        match = next((d / soname for d in dirs if (d / soname).is_file()), None)
        if match is not None:
            found[soname] = match
    return found


def preload(sonames: Iterable[str] = CTRANSLATE2_LIBS, roots: Iterable[str | Path] | None = None) -> dict[str, Path]:
    """Load the wheel copies of `sonames` globally, once per process; return those now loaded.

    A library that is not installed (a CPU install) or does not load (no driver) is skipped: the
    caller's own CUDA check then reports the problem in its words.
    """
    wanted = [name for name in sonames if name not in _loaded]
    for soname, path in find_libraries(wanted, sys.path if roots is None else roots).items():
        try:
            ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
        except OSError as err:
            logger.debug("cannot preload %s: %s", path, err)
            continue
        _loaded[soname] = path
    return {name: _loaded[name] for name in sonames if name in _loaded}
