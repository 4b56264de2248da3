"""The malloc arena limit: set in a fresh process it changes glibc's setting; a user's own
MALLOC_ARENA_MAX wins."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CHECK = "from pipeline.memory import limit_malloc_arenas; print(limit_malloc_arenas())"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_limit_is_set_unless_the_user_chose_one() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    assert subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True).stdout.strip() == "True"
    env["MALLOC_ARENA_MAX"] = "4"
    assert subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True).stdout.strip() == "False"
