"""The held-out speaker evaluation keeps its promise: no voice in two folds; the eigengap count it
compared reads well-separated groups (pure logic)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.eigengap import eigengap, estimated_count
from benchmarks.heldout import REAL_SPEAKERS, sources


@pytest.mark.skipif(not REAL_SPEAKERS.is_dir(), reason="the shared real-speakers recordings are not here")
def test_no_voice_is_in_two_folds(tmp_path) -> None:
    folds: dict[str, set[str]] = {}
    kinds = set()
    for name, path, reference, kind, fold in sources(tmp_path):
        assert path.exists() and reference, name
        assert name.startswith(f"{fold}/")
        kinds.add(kind)
        for turn in reference:
            folds.setdefault(turn.speaker, set()).add(fold)
    shared = {speaker: found for speaker, found in folds.items() if len(found) > 1}
    assert not shared, shared
    assert kinds == {"meeting", "call", "broadcast", "solo"}
    assert len({f for found in folds.values() for f in found}) == 4


def test_eigengap_counts_separated_groups_and_declines_few_windows() -> None:
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((3, 64))
    windows = np.concatenate([c + 0.2 * rng.standard_normal((30, 64)) for c in centres])
    assert eigengap(windows, max_count=10, keep=0.3).count == 3
    assert estimated_count(windows, 10, keep=0.3, min_windows=20, margin=1.5) == 3
    assert estimated_count(windows[:12], 10, keep=0.3, min_windows=20, margin=1.5) is None
