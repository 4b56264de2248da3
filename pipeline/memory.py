"""Process-wide memory setting for a transcription run (called by the CLI, never on import)."""

from __future__ import annotations

import ctypes
import os
import sys

ARENAS = 1  # one heap for every thread (2 measured higher and less steady, at the same speed)
M_ARENA_MAX = -8  # glibc's mallopt parameter number


def limit_malloc_arenas(count: int = ARENAS) -> bool:
    """glibc gives threads that allocate at once their own heap arenas (up to 8 per core), and memory
    freed in one is not reused by another. With diarization beside speech recognition (and the
    libraries' thread pools) that raised the episode's peak RSS by 240 MiB. One arena: the 60-min
    episode peaked at 1.76 GB twice (2 arenas: 1.78 and 1.92 GB), at the same wall time. This is
    MALLOC_ARENA_MAX=1, set from inside; it does nothing off glibc or when the user set that variable."""
    if sys.platform != "linux" or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # musl and others: their allocators have no such arenas
        return False
    return bool(libc.mallopt(M_ARENA_MAX, count))
