#!/usr/bin/env bash
# Run THERE (a Linux machine with an NVIDIA GPU and a CUDA 13 driver), in the folder prepare.sh filled:
# reassembles the bundle, then runs the training-step and inference benchmarks on CUDA and, when a CUDA-enabled
# PyTorch is installed, the same PyTorch reference on the GPU. Bounded to 8 minutes; prints the bench's table.
#   bash run.sh [extra bench options]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
if [ ! -d bundle ]; then
  sha256sum -c SHA256SUMS
  cat bundle.tgz.part-* | gunzip | tar -xf -
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
timeout 480 bench/Bench --device cuda --models-root models --work "$here/work" \
  --json "$here/bench-cuda.json" "${torch_args[@]}" "$@"
