#!/usr/bin/env bash
# The checks that need a CUDA GPU, in under 8 minutes on one: the CUDA tests (`pytest -m cuda tests/`: attention in
# bf16 against dense masked attention, forward and backward; one prior update; sampling), then a 5-minute quickstart
# into runs/gpu5. Writes bench/out/gpu.json: what ran, exit codes and seconds. Without CUDA it says so and exits 0.
# bench/attention.py, prior.py and sample.py are CPU benchmarks (thread counts, a CPU peer) with no device option,
# so they are not run here.
# Usage: bench/gpu.sh   (from the repository root, after `make .venv/installed`)
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
if [ "$("$PY" -c 'import torch; print(torch.cuda.is_available())' 2>/dev/null)" != "True" ]; then
  echo "no CUDA GPU here: nothing to run"; exit 0
fi
mkdir -p bench/out
steps=()
run() { # run NAME TIMEOUT_S CMD...: time one step, keep going when it fails
  local name=$1 limit=$2; shift 2
  echo "== $name: $*"
  local t0=$(date +%s.%N); timeout "$limit" "$@"; local rc=$?
  local s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  echo "== $name: exit $rc in ${s}s"
  steps+=("{\"name\": \"$name\", \"command\": \"$*\", \"exit\": $rc, \"seconds\": $s}")
}
if ls tests/test_cuda*.py >/dev/null 2>&1; then run cuda_tests 90 .venv/bin/pytest -q -m cuda tests/; fi
run quickstart_5min 360 .venv/bin/dalle_nb quickstart --minutes 5 --out runs/gpu5
gpu=$("$PY" -c 'import torch; print(torch.cuda.get_device_name(0))')
torch_v=$("$PY" -c 'import torch; print(torch.__version__, torch.version.cuda)')
{ echo "{\"gpu\": \"$gpu\", \"torch\": \"$torch_v\", \"steps\": ["
  for i in "${!steps[@]}"; do [ "$i" -gt 0 ] && echo ","; printf '  %s' "${steps[$i]}"; done
  echo; echo "]}"; } > bench/out/gpu.json
cat bench/out/gpu.json
for s in "${steps[@]}"; do case $s in *'"exit": 0,'*) ;; *) exit 1;; esac; done
