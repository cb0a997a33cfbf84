#!/usr/bin/env bash
# Build bench/.venv-peer: dalle-pytorch 1.6.6 (the peer for bench/dvae.py) beside the CPU torch,
# following /work/shared/ENVIRONMENT.md. Never installed into the project's .venv. About 2 minutes.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
V=.venv-peer
[ -f $V/installed ] && { echo "$V is ready"; exit 0; }
$PY -m venv $V
echo "torch==2.13.0" > $V/constraints.txt
$V/bin/pip install -q --upgrade pip
$V/bin/pip install -q torch==2.13.0
$V/bin/pip install -q -c $V/constraints.txt cython
$V/bin/pip install -q -c $V/constraints.txt --no-build-isolation youtokentome
$V/bin/pip install -q -c $V/constraints.txt dalle-pytorch==1.6.6 'setuptools<81' pillow
$V/bin/pip uninstall -q -y torchvision
touch $V/installed
echo "$V is ready"
