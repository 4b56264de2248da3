#!/usr/bin/env bash
# Build the batch image with podman or docker: bash scripts/build_image.sh cpu|cuda (default cuda).
# Tags podscribe:FLAVOUR and podscribe:VERSION-FLAVOUR and prints the tag last.
#   ENGINE=docker|podman   which CLI to use (default: podman when installed, else docker)
#   BUILD_ARGS="..."       extra arguments for the build (e.g. --build-arg TORCH_INDEX_URL=...)
# What this machine's build needs and the image must not keep is passed at build time only:
# - its CA bundle (for pip/apt behind an intercepting proxy) as the build secret `ca`;
# - the local wheel folder from pip's configuration (find-links), as the named build context `wheels`,
#   bind-mounted into the one install step.
# When the Dockerfile's base image is missing and no registry answers, a Debian base is made here with
# debootstrap under the very tag the Dockerfile names (elsewhere the real one is pulled).
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-cuda}
case "$flavour" in cpu | cuda) ;; *) echo "usage: $0 cpu|cuda" >&2; exit 2 ;; esac
engine=${ENGINE:-$(command -v podman >/dev/null && echo podman || echo docker)}
command -v "$engine" >/dev/null || { echo "error: neither podman nor docker is installed" >&2; exit 2; }
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml)
base=$(sed -n 's/^ARG BASE_IMAGE=//p' Dockerfile)

# podman as root in a sandbox needs runc, cgroupfs and capped ulimits (see scripts/podman-sandbox.conf).
if [ "$engine" = podman ] && [ "$(id -u)" = 0 ] && [ -z "${CONTAINERS_CONF:-}" ] && command -v runc >/dev/null; then
    export CONTAINERS_CONF="$PWD/scripts/podman-sandbox.conf"
fi

have_image() { "$engine" image inspect "$1" >/dev/null 2>&1; }

make_debian_base() {  # $1: a debian:SUITE-slim tag
    local suite=${1#debian:} root mirror
    suite=${suite%-slim}
    mirror=${DEBIAN_MIRROR:-$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}
    mirror=${mirror:-http://deb.debian.org/debian}
    command -v debootstrap >/dev/null || { echo "error: no registry answers and debootstrap is missing (apt-get install debootstrap)" >&2; exit 2; }
    root=$(mktemp -d)
    echo "== no registry answers: making $1 with debootstrap from $mirror" >&2
    debootstrap --variant=minbase "$suite" "$root" "$mirror" >&2
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | "$engine" import - "$1" >&2
    rm -rf "$root"
}

if ! have_image "$base"; then
    timeout 60 "$engine" pull "$base" >&2 || true
    have_image "$base" || make_debian_base "$base"
fi

pip_setting() {  # the build machine's pip configuration (files or PIP_* variables), first value only
    python3 -m pip config list 2>/dev/null | sed -n "s/^[^=]*\.$1='\([^' ]*\).*/\1/p" | head -n 1
}
args=(--build-arg "FLAVOUR=$flavour" --build-arg "VERSION=$version"
    -t "podscribe:$flavour" -t "podscribe:$version-$flavour")
revision=$(git rev-parse HEAD 2>/dev/null || true)
[ -n "$revision" ] && args+=(--build-arg "REVISION=$revision")
source_url=$(git remote get-url origin 2>/dev/null || true)
case "$source_url" in https://*) args+=(--build-arg "SOURCE_URL=$source_url") ;; esac
ca=$(pip_setting cert)
ca=${ca:-/etc/ssl/certs/ca-certificates.crt}
[ -f "$ca" ] && args+=(--secret "id=ca,src=$ca")
wheels=$(pip_setting find-links)
empty=$(mktemp -d)  # the stand-in where this machine has no local wheel folder
trap 'rm -rf "$empty"' EXIT
[ -d "$wheels" ] || wheels=$empty
args+=(--build-context "wheels=$wheels")
# podman: never pull (the base is local by now); docker (BuildKit, for secrets and build contexts)
# uses a local base without being asked.
if [ "$engine" = docker ]; then export DOCKER_BUILDKIT=1; else args+=(--pull=never); fi
echo "== $engine build (${flavour}, torch wheels from ${wheels}, CA bundle ${ca})" >&2
# shellcheck disable=SC2086  # BUILD_ARGS is a list of words on purpose
nice -n 10 "$engine" build "${args[@]}" ${BUILD_ARGS:-} . >&2
echo "podscribe:$version-$flavour"
