"""Make torchaudio's pure-Python parts importable beside a CPU-only torch.

PyPI's torchaudio wheels are CUDA builds: beside the CPU build of torch their native library fails
to load (`libc10_cuda.so: cannot open shared object file`), and `import torchaudio` fails with it,
which breaks `import pyannote.audio`. We use only pure-Python parts of torchaudio (kaldi fbank,
resample). So, only when the real import fails for that reason, we register a stand-in for
`torchaudio._extension` that reports "no native extension" (as torchaudio itself does when the
library files are absent) and import again. Where the native library loads (a CUDA install), this
does nothing.
"""

from __future__ import annotations

import sys
import types


def import_torchaudio() -> types.ModuleType:
    try:
        import torchaudio

        return torchaudio
    except OSError as err:
        if "libc10_cuda" not in str(err) and "_torchaudio" not in str(err):
            raise
    for name in [m for m in sys.modules if m == "torchaudio" or m.startswith("torchaudio.")]:
        del sys.modules[name]
    sys.modules["torchaudio._extension"] = _stand_in()
    import torchaudio

    return torchaudio


def _stand_in() -> types.ModuleType:
    module = types.ModuleType("torchaudio._extension")

    def fail_if_no_align(func):  # noqa: ANN001 - mirrors torchaudio's decorator
        def failing(*args, **kwargs):  # noqa: ANN002, ANN003
            raise RuntimeError("torchaudio forced alignment needs torchaudio's native library")

        return failing

    module._IS_TORCHAUDIO_EXT_AVAILABLE = False  # type: ignore[attr-defined]
    module._IS_ALIGN_AVAILABLE = False  # type: ignore[attr-defined]
    module.fail_if_no_align = fail_if_no_align  # type: ignore[attr-defined]
    module._check_cuda_version = lambda: None  # type: ignore[attr-defined]
    return module
