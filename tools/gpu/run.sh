#!/usr/bin/env bash
# Run THERE (a Linux machine with an NVIDIA GPU and a CUDA 13 driver), in the folder prepare.sh filled:
# reassembles the bundle; trains the default job for one epoch on the CPU and on CUDA with the same seed and compares
# the step losses; then runs the bench on CUDA (training step, inference, and `ortagent train` end to end) and, when
# a CUDA-enabled PyTorch is installed, the same PyTorch reference on the GPU. Prints the bench's table.
#   bash run.sh [extra bench options]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
if [ ! -d bundle ]; then
  sha256sum -c SHA256SUMS
  if command -v xz >/dev/null; then unxz=(xz -dc); else unxz=(python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.stdin.buffer), sys.stdout.buffer)'); fi
  cat bundle.tar.xz.part-* | "${unxz[@]}" | tar -xf -
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
python="$(command -v python3 || true)"
torch_args=(--no-torch)
if [ -n "$python" ] && "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  torch_args=(--python "$python")
fi
# ONNX Runtime's CUDA provider loads cudart, cuBLAS and cuDNN by name; on a CUDA image they may exist only as pip
# packages (nvidia-cublas, nvidia-cudnn-cu13, ...), whose lib folders are added to the search path here.
if [ -n "$python" ]; then
  nvidia_libs="$("$python" -c 'import glob, nvidia; print(":".join(d for p in nvidia.__path__ for d in sorted(glob.glob(p + "/*/lib"))))' 2>/dev/null || true)"
  if [ -n "$nvidia_libs" ]; then export LD_LIBRARY_PATH="$nvidia_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
fi
cd bundle
# The device under test: cuda, unless the extra options name another (the CPU dry run: --device cpu).
device=cuda
args=("$@")
for ((i = 0; i + 1 < ${#args[@]}; i++)); do
  if [ "${args[i]}" = --device ]; then device=${args[i + 1]}; fi
done

# 1. CUDA against the CPU: the default job (embedded reviews), one epoch, same seed, on each device; the step losses
#    side by side. Dropout masks come from the seed on the host, so the runs differ only by the devices' arithmetic.
for d in cpu "$device"; do
  timeout "${COMPARE_TIMEOUT:-120}" bench/ortagent train --device "$d" --epochs 1 --seed 7 --models-root models \
    --output "$here/work/compare-$d/model" --artifacts-root "$here/work/compare-$d/artifacts" >"$here/work-compare-$d.log" 2>&1 \
    || { echo "ortagent train --device $d failed:"; tail -5 "$here/work-compare-$d.log"; }
done
if [ -n "$python" ]; then
  "$python" - "$here/work/compare-cpu/model/metrics.jsonl" "$here/work/compare-$device/model/metrics.jsonl" <<'PY' || true
import json, sys
def steps(path):
    return [r for r in map(json.loads, open(path)) if r["type"] == "step"]
cpu, other = steps(sys.argv[1]), steps(sys.argv[2])
diffs = [abs(a["loss"] - b["loss"]) for a, b in zip(cpu, other)]
print(f"{len(diffs)} steps compared; max |loss cpu - loss device| = {max(diffs):.3g}; "
      f"final losses {cpu[-1]['loss']:.5f} / {other[-1]['loss']:.5f}")
PY
fi

# 2. The bench: training step and inference on the device, then whole `ortagent train` runs (default job and, when the
#    bundle carries it, the SpamAssassin split) through the CLI on the device.
spam_args=()
if [ -f data/spam/mixed/train.csv ]; then spam_args=(--spam-dir data/spam/mixed); fi
timeout "${BENCH_TIMEOUT:-480}" bench/Bench --device cuda --models-root models --work "$here/work" \
  --json "$here/bench-cuda.json" --end-to-end "${spam_args[@]}" "${torch_args[@]}" "$@"

# 3. Where each node of the training and optimizer graphs ran (a node without a CUDA kernel lands on the CPU, with
#    copies around it): ONNX Runtime's profile by execution provider, written whole to profile-DEVICE.txt.
timeout 120 bench/Bench --profile --quick --no-torch --device "$device" --models-root models --work "$here/work-profile" \
  >"$here/profile-$device.txt" 2>&1 || echo "bench --profile failed; see profile-$device.txt"
grep -A5 "Nodes by execution provider" "$here/profile-$device.txt" || true

# 4. Whether the float32 figures compare like with like: ONNX Runtime's CUDA provider may run float32 MatMuls on TF32
#    tensor cores, while PyTorch does not unless told to. PyTorch's 2048³ MatMul both ways, to set beside the bench's.
if [ -n "$python" ] && [ "$device" = cuda ]; then
  "$python" - <<'PY' || true
import torch
a, b = (torch.rand(2048, 2048, device="cuda") - 0.5 for _ in range(2))
for tf32 in (False, True):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    for _ in range(3): torch.matmul(a, b)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(20): torch.matmul(a, b)
    end.record(); torch.cuda.synchronize()
    ms = start.elapsed_time(end) / 20
    print(f"torch 2048³ float32 MatMul, allow_tf32={tf32}: {ms:.3f} ms, {2 * 2048 ** 3 / ms / 1e9:.0f} GFLOP/s")
PY
fi
