#!/usr/bin/env bash
# Packs the part of a Diffusers source tree that bench/torch_wan_diffusers_peer.py imports (the models, without
# the pipelines: 9 of 28 MB) into an xz tarball small enough to travel to the GPU machine, which has no Diffusers.
#   bench/slim-diffusers.sh DIFFUSERS_CHECKOUT OUT.txz        then there: tar xJf OUT.txz -C /tmp/d; PYTHONPATH=/tmp/d
set -euo pipefail
src=${1:?usage: slim-diffusers.sh DIFFUSERS_CHECKOUT OUT.txz}/src
out=${2:?usage: slim-diffusers.sh DIFFUSERS_CHECKOUT OUT.txz}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$src" && tar cf - --exclude='diffusers/pipelines/*' --exclude='diffusers/modular_pipelines/*' --exclude='__pycache__' diffusers) | tar xf - -C "$work"
cp "$src/diffusers/pipelines/__init__.py" "$work/diffusers/pipelines/"
cp "$src/diffusers/modular_pipelines/__init__.py" "$work/diffusers/modular_pipelines/"
tar -C "$work" -cJf "$out" diffusers
du -h "$out"
