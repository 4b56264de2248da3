"""Import pyannote.audio cleanly on the machines we support.

Two things in pyannote.audio's import chain misbehave on a plain CPU install, and both concern parts
we never use:

- torchaudio: PyPI's wheels are CUDA builds; beside the CPU build of torch their native library
  fails to load (`libc10_cuda.so: cannot open shared object file`), and `import torchaudio` fails
  with it. We use only pure-Python parts (kaldi fbank, resample). So, only when the real import
  fails for that reason, a stand-in for `torchaudio._extension` reports "no native extension" (as
  torchaudio itself does when the library files are absent) and we import again. Where the native
  library loads (a CUDA install), this does nothing.
- torchcodec: pyannote imports it to decode files, and when FFmpeg's shared libraries are absent
  (a fresh machine: our ffmpeg is a standalone binary) it warns with ~50 lines of tracebacks.
  Audio always reaches pyannote in memory, so its decoder is never used: that one warning is
  dropped (logged at debug level); every other warning raised during the import is re-emitted.
"""

from __future__ import annotations

import logging
import re
import sys
import types
import warnings

TORCHCODEC_WARNING = re.compile(r"\s*torchcodec is not installed correctly")

log = logging.getLogger("podscribe")


def import_pyannote_audio() -> types.ModuleType:
    """`pyannote.audio`, imported once without torchaudio's or torchcodec's noise."""
    if "pyannote.audio" in sys.modules:
        return sys.modules["pyannote.audio"]
    import_torchaudio()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import pyannote.audio
    for warning in caught:
        if is_torchcodec_warning(warning.message):
            log.debug(
                "torchcodec unavailable (not needed: audio is passed in memory): %s",
                str(warning.message).strip().splitlines()[-1],
            )
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno, source=warning.source
            )
    return pyannote.audio


def is_torchcodec_warning(message: Warning | str) -> bool:
    return isinstance(message, UserWarning | str) and bool(TORCHCODEC_WARNING.match(str(message)))


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

    def fail_if_no_align(func):
        def failing(*args, **kwargs):
            raise RuntimeError("torchaudio forced alignment needs torchaudio's native library")

        return failing

    module._IS_TORCHAUDIO_EXT_AVAILABLE = False  # type: ignore[attr-defined]
    module._IS_ALIGN_AVAILABLE = False  # type: ignore[attr-defined]
    module.fail_if_no_align = fail_if_no_align  # type: ignore[attr-defined]
    module._check_cuda_version = lambda: None  # type: ignore[attr-defined]
    return module
