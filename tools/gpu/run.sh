#!/usr/bin/env bash
# Run THERE (a Linux machine with an NVIDIA GPU and a CUDA 13 driver), in the folder prepare.sh filled:
# checks the GPU against the architecture the bundle kept, reassembles the bundle, profiles the training and optimizer
# graphs on the device, times PyTorch's MatMul with and without TF32, trains the default job on the CPU and on the device
# with the same seed and compares the step losses, then runs the bench on the device (training step, inference, and
# `ortagent train` end to end, with the PyTorch reference on the GPU when a CUDA-enabled PyTorch is installed).
#   bash run.sh [extra bench options]        (bash run.sh --device cpu --quick: a dry run without a GPU)
# Every step prints one line, `step N (what): ok / failed (rc N) / timed out after S s / skipped (why)`, and the run goes
# on to the next. Every result file goes to $OUT (default: out/ beside this script), as the steps write them and, for
# the rest, from an EXIT trap, so what was done comes back after a failure or a timeout too.
# Step timeouts in seconds, each overridable; the defaults add up to 535, under the device tool's 600 s per call:
#   DEVICE_TIMEOUT=15 BUNDLE_TIMEOUT=45 PROFILE_TIMEOUT=90 TABLES_TIMEOUT=15 TF32_TIMEOUT=45
#   COMPARE_TIMEOUT=70 (each training run; on CUDA a third, --no-tf32, comes on top) LOSSES_TIMEOUT=10 BENCH_TIMEOUT=175
# RUN_BUDGET=570 caps the whole run: a step gets at most what is left of it, so overrides cannot run past the call.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# $OUT as the caller named it (resolved before the cd); out/ beside this script is ours, so it starts empty.
if [ -n "${OUT:-}" ]; then out_dir=$OUT; else out_dir="$here/out"; rm -rf "$out_dir"; fi
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
export here out_dir
cd "$here"

# The device under test: cuda, unless the extra options name another (the CPU dry run: --device cpu).
device=cuda
quick=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[i]}" = --device ] && ((i + 1 < ${#args[@]})); then device=${args[i + 1]}; fi
  if [ "${args[i]}" = --quick ]; then quick=(--quick); fi
done
export device

budget=${RUN_BUDGET:-570}
n=0
not_ok=0
running=
summary=()

say() {
  local line="step $n ($1): $2"
  echo "$line"
  summary+=("$line")
}

# step [--show] WHAT TIMEOUT LOG COMMAND...: runs COMMAND for at most TIMEOUT seconds (and no longer than the run's
# budget leaves) with its output in $out_dir/LOG (also on the console with --show), then prints the step's one line.
# Returns COMMAND's status; the run never stops on it.
step() {
  local show=false
  if [ "$1" = --show ]; then show=true; shift; fi
  local what=$1 limit=$2 log=$3 rc=0
  shift 3
  n=$((n + 1))
  local left=$((budget - SECONDS))
  if ((left < 5)); then not_ok=$((not_ok + 1)); say "$what" "skipped (the run's budget of $budget s is spent)"; return 1; fi
  if ((limit > left)); then limit=$left; fi
  local t0=$SECONDS
  running=$what
  echo "--- step $n ($what), at most $limit s, output in $log"
  if $show; then
    timeout -k 5 "$limit" "$@" 2>&1 | tee "$out_dir/$log"
    rc=${PIPESTATUS[0]}
  else
    timeout -k 5 "$limit" "$@" >"$out_dir/$log" 2>&1 || rc=$?
  fi
  local took=$((SECONDS - t0))
  running=
  ((rc == 0)) || not_ok=$((not_ok + 1))
  if ((rc == 0)); then
    say "$what" "ok ($took s)"
  elif ((rc == 124 || rc == 137)) && ((took >= limit)); then
    say "$what" "timed out after $limit s"
  else
    say "$what" "failed (rc $rc after $took s): $(grep -v '^[[:space:]]*$' "$out_dir/$log" | tail -n 1 | cut -c 1-300) (all of it in $log)"
  fi
  return "$rc"
}

skip() {
  n=$((n + 1))
  say "$1" "skipped ($2)"
}

# Copies what the runs left in their work folders (the training runs' metrics, ONNX Runtime's raw profiles) to
# $out_dir and prints the steps again, so the last lines of the output say what happened; runs on any exit.
finish() {
  local rc=$?
  if [ -n "$running" ]; then not_ok=$((not_ok + 1)); say "$running" "cut off: run.sh was stopped (exit $rc) while it ran"; fi
  for f in "$here"/work/compare-*/model/metrics.jsonl; do
    [ -f "$f" ] && cp "$f" "$out_dir/$(basename "$(dirname "$(dirname "$f")")")-metrics.jsonl"
  done
  find "$here/work-profile" -name 'profile-*.json' 2>/dev/null | while read -r f; do
    xz -c "$f" >"$out_dir/$(basename "$f").xz" 2>/dev/null || cp "$f" "$out_dir/"
  done
  printf '%s\n' "${summary[@]}" >"$out_dir/steps.txt"
  echo "=== run.sh on $device: $n steps, $not_ok failed or cut off, in $SECONDS s (exit $rc)"
  printf '%s\n' "${summary[@]}"
  echo "=== results in $out_dir:"
  (cd "$out_dir" && ls -l | tail -n +2 | awk '{print "  " $5 "\t" $9}')
}
trap finish EXIT
# What an earlier run left in the work folders would otherwise be copied to $OUT as if this run had made it.
rm -rf "$here/work-profile" "$here"/work/compare-*
trap 'exit 143' TERM
trap 'exit 130' INT

# 1. The GPU, first: the bundle's CUDA provider keeps cubins for one architecture only (prune_fatbin.py), and the
#    blanked ones keep their headers, so on any other GPU the first kernel fails with "no kernel image". Refused here
#    in one line instead.
check_device() {
  local kept
  kept="$(cat "$here/ARCH" 2>/dev/null || cat "$here/bundle/ARCH" 2>/dev/null || true)"
  if ! command -v nvidia-smi >/dev/null; then
    if [ "$device" = cpu ]; then echo "no nvidia-smi: no GPU here, which a --device cpu dry run does not need"; return 0; fi
    echo "no nvidia-smi on this machine: no NVIDIA GPU to run --device $device on"
    return 3
  fi
  nvidia-smi >"$out_dir/nvidia-smi.txt" 2>&1
  local query
  if ! query="$(nvidia-smi --query-gpu=name,compute_cap,memory.total,driver_version --format=csv)"; then
    echo "nvidia-smi --query-gpu failed: $query"
    return 3
  fi
  echo "$query" | tee -a "$out_dir/nvidia-smi.txt"
  local name cap
  IFS=, read -r name cap _ < <(echo "$query" | sed -n 2p)
  cap="$(echo "$cap" | tr -d ' ')"
  local sm="${cap/./}"
  if [ "$device" = cpu ]; then echo "GPU 0: $name, sm_$sm; not used by a --device cpu dry run"; return 0; fi
  if [ -z "$kept" ]; then
    echo "no ARCH file beside SHA256SUMS (nor in an unpacked bundle): carry .gpu/ARCH with the last part"
    return 3
  fi
  local a
  for a in $kept; do
    if [ "$a" = "$sm" ]; then echo "GPU 0: $name, compute capability $cap (sm_$sm), which the bundle kept (sm_$kept)"; return 0; fi
  done
  echo "this GPU ($name, compute capability $cap, sm_$sm) is not among the architectures the bundle kept (sm_$kept);" \
    "prepare one for it with ARCH=$sm tools/gpu/prepare.sh"
  return 3
}
export -f check_device
if ! step --show "device check" "${DEVICE_TIMEOUT:-15}" device.log bash -c check_device; then
  echo "run.sh: refusing to run on this machine (see step 1)"
  exit 3
fi

# 2. The bundle: checked, then unpacked into a temporary folder that is renamed to bundle/ only when complete, with
#    the SHA256SUMS it came from inside; a bundle/ without that mark, or from other parts, is unpacked again.
unpack() {
  set -o pipefail
  if [ -f bundle/.unpacked-from ] && cmp -s SHA256SUMS bundle/.unpacked-from; then
    echo "bundle/ is already unpacked from these parts"
    return 0
  fi
  [ -f SHA256SUMS ] || { echo "no SHA256SUMS in $here: carry .gpu/SHA256SUMS with the last part"; return 2; }
  sha256sum -c SHA256SUMS || return
  local parts
  mapfile -t parts < <(sed -n 's/^[0-9a-f]\{64\} [ *]\(bundle\.tar\.xz\.part-[0-9]*\)$/\1/p' SHA256SUMS | sort)
  ((${#parts[@]} > 0)) || { echo "SHA256SUMS lists no bundle.tar.xz.part-NN"; return 2; }
  local unxz=(xz -dc)
  command -v xz >/dev/null || unxz=(python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.stdin.buffer), sys.stdout.buffer)')
  rm -rf bundle.partial
  mkdir bundle.partial
  cat "${parts[@]}" | "${unxz[@]}" | tar -C bundle.partial -xf - || return
  cp SHA256SUMS bundle.partial/bundle/.unpacked-from
  rm -rf bundle
  mv bundle.partial/bundle bundle
  rmdir bundle.partial
  echo "unpacked ${#parts[@]} parts into bundle/ ($(du -sh bundle | cut -f1))"
}
export -f unpack
have_bundle=true
step --show "bundle: check and unpack" "${BUNDLE_TIMEOUT:-45}" bundle.log bash -c unpack || have_bundle=false

python="$(command -v python3 || true)"
export python
# ONNX Runtime's CUDA provider loads cudart, cuBLAS and cuDNN by name; on a CUDA image they may exist only as pip
# packages (nvidia-cublas, nvidia-cudnn-cu13, ...), whose lib folders are added to the search path here.
if [ -n "$python" ]; then
  nvidia_libs="$("$python" -c 'import glob, nvidia; print(":".join(d for p in nvidia.__path__ for d in sorted(glob.glob(p + "/*/lib"))))' 2>/dev/null || true)"
  if [ -n "$nvidia_libs" ]; then export LD_LIBRARY_PATH="$nvidia_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
fi
torch_cuda=false
if [ -n "$python" ] && "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  torch_cuda=true
fi

# 3. Where each node of the training and optimizer graphs ran (a node without a CUDA kernel lands on the CPU, with
#    copies around it) and where the time goes: ONNX Runtime's profile at batch 32 × 128 (× 16 with --quick). The
#    bench prints the top 10 of each table (profile-DEVICE.txt); step 4 writes the whole tables from the raw profiles
#    (profile-DEVICE-tables.txt), which the EXIT trap also copies, xz-packed.
profile_tables_py="$(cat <<'PY'
import glob, json, os, sys
from collections import defaultdict
work, skip = sys.argv[1], int(sys.argv[2])
files = sorted(glob.glob(os.path.join(work, "**", "profile-*.json"), recursive=True))
if not files:
    sys.exit(f"no ONNX Runtime profile (profile-*.json) under {work}: the profile step wrote none")
for path in files:
    events = json.load(open(path))
    events = events["traceEvents"] if isinstance(events, dict) else events
    runs = sorted(e["ts"] for e in events if e.get("cat") == "Session" and e.get("name") == "model_run")
    start = runs[skip] if len(runs) > skip else float("-inf")
    per = max(1, len(runs) - skip)
    kernels = []
    for e in events:
        name = e.get("name", "")
        if e.get("cat") != "Node" or not name.endswith("_kernel_time") or e["ts"] < start:
            continue
        a = e.get("args", {})
        shapes = " ".join("[" + ",".join(map(str, dims)) + "]" for i in a.get("input_type_shape", []) for dims in i.values())
        kernels.append((a.get("op_name", "?"), name[:-len("_kernel_time")], shapes, a.get("provider", "?"), e["dur"]))
    total = sum(k[4] for k in kernels) / 1000 / per
    print(f"== {os.path.basename(path)}: {per} runs after {skip} warmup, kernels {total:.2f} ms/run, {len(kernels) / per:.0f} kernels/run")
    for title, key in (("by execution provider", lambda k: k[3]), ("by op type", lambda k: k[0]),
                       ("by (op type, input shapes)", lambda k: f"{k[0]} {k[2]}"), ("by node", lambda k: f"{k[0]} {k[1]} [{k[3]}]")):
        groups = defaultdict(lambda: [0, 0.0])
        for k in kernels:
            g = groups[key(k)]
            g[0] += 1
            g[1] += k[4]
        print(f"\n-- all {len(groups)} rows {title}")
        print("%10s %10s %9s %7s  key" % ("count/run", "ms/run", "% kernel", "cum %"))
        cumulative = 0.0
        for k, (count, us) in sorted(groups.items(), key=lambda item: -item[1][1]):
            ms = us / 1000 / per
            share = 100 * ms / total if total else 0.0
            cumulative += share
            print(f"{count / per:10.0f} {ms:10.3f} {share:9.1f} {cumulative:7.1f}  {k}")
    print()
PY
)"
if $have_bundle; then
  cd "$here/bundle"
  if ((${#quick[@]})); then profile_size=(--quick); warmup=1; else profile_size=(--seq 128); warmup=2; fi
  step "profile on $device" "${PROFILE_TIMEOUT:-90}" "profile-$device.txt" bench/Bench --profile "${profile_size[@]}" --no-torch \
    --device "$device" --models-root models --work "$here/work-profile"
  # The provider tables (title to the blank line after their rows): any node that left the device shows here.
  awk '/Nodes by execution provider/ { p = 1 } p { print } p && rows && /^[[:space:]]*$/ { p = rows = 0 } p && /─/ { rows = 1 }' \
    "$out_dir/profile-$device.txt"
  if [ -n "$python" ]; then
    step "profile: whole tables" "${TABLES_TIMEOUT:-15}" "profile-$device-tables.txt" "$python" -c "$profile_tables_py" "$here/work-profile" "$warmup"
  else
    skip "profile: whole tables" "no python3"
  fi
else
  skip "profile on $device" "no bundle"
  skip "profile: whole tables" "no bundle"
fi

# 5. Whether the float32 figures compare like with like: ONNX Runtime's CUDA provider may run float32 MatMuls on TF32
#    tensor cores, while PyTorch does not unless told to. PyTorch's 2048³ MatMul both ways, to set beside the bench's.
tf32_py="$(cat <<'PY'
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
    print(f"torch 2048³ float32 MatMul on {torch.cuda.get_device_name()}, allow_tf32={tf32}: {ms:.3f} ms, {2 * 2048 ** 3 / ms / 1e9:.0f} GFLOP/s")
PY
)"
if [ "$device" != cuda ]; then
  skip "TF32 timing" "--device $device"
elif ! $torch_cuda; then
  skip "TF32 timing" "no CUDA-enabled PyTorch"
else
  step --show "TF32 timing" "${TF32_TIMEOUT:-45}" tf32.txt "$python" -c "$tf32_py"
fi

# 6–8. The device against the CPU: the default job (embedded reviews), one epoch (which --min-steps raises), seed 7, on
#    each device in a folder of its own; then the step losses side by side. Dropout masks come from the seed on the
#    host, so the runs differ only by the devices' arithmetic.
losses_py="$(cat <<'PY'
import json, os, sys
runs = []
for label, path in zip(sys.argv[1::2], sys.argv[2::2]):
    if not os.path.isfile(path):
        sys.exit(f"the {label} run has no metrics ({path} is missing); see train-{label}.log")
    steps = [r for r in map(json.loads, open(path)) if r.get("type") == "step"]
    if not steps:
        sys.exit(f"the {label} run has no step rows in {path}; see train-{label}.log")
    runs.append((label, steps))
(a_label, a) = runs[0]
for b_label, b in runs[1:]:
    diffs = [abs(x["loss"] - y["loss"]) for x, y in zip(a, b)]
    note = "" if len(a) == len(b) else f" ({a_label} logged {len(a)} steps, {b_label} {len(b)})"
    print(f"{len(diffs)} steps compared{note}; max |loss {a_label} - loss {b_label}| = {max(diffs):.3g}; "
          f"final losses {a[-1]['loss']:.5f} / {b[-1]['loss']:.5f}")
PY
)"
# On CUDA a third run keeps float32 MatMuls off TF32 (--no-tf32), which tells TF32's share of the difference from the rest.
compare_runs=(1-cpu "2-$device")
if [ "$device" = cuda ]; then compare_runs+=(3-cuda-no-tf32); fi
for run in "${compare_runs[@]}"; do
  run_device=${run#*-}; run_device=${run_device%%-*}
  tf32=(); if [ "$run" != "${run%-no-tf32}" ]; then tf32=(--no-tf32); fi
  if $have_bundle; then
    step "train on ${run#*-}, seed 7 (compare-$run)" "${COMPARE_TIMEOUT:-70}" "train-$run.log" \
      bench/ortagent train --device "$run_device" "${tf32[@]}" --epochs 1 --seed 7 --models-root models \
      --output "$here/work/compare-$run/model" --artifacts-root "$here/work/compare-$run/artifacts"
  else
    skip "train on ${run#*-}, seed 7 (compare-$run)" "no bundle"
  fi
done
if ! $have_bundle; then
  skip "step losses, cpu against $device" "no bundle"
elif [ -z "$python" ]; then
  skip "step losses, cpu against $device" "no python3"
else
  loss_files=()
  for run in "${compare_runs[@]}"; do loss_files+=("$run" "$here/work/compare-$run/model/metrics.jsonl"); done
  step --show "step losses, cpu against $device" "${LOSSES_TIMEOUT:-10}" compare.txt "$python" -c "$losses_py" "${loss_files[@]}"
fi

# 9. The bench: training step and inference on the device, then whole `ortagent train` runs (default job and, when the
#    bundle carries it, the SpamAssassin split) through the CLI on the device; the JSON straight into $out_dir.
if $have_bundle; then
  spam_args=()
  if [ -f data/spam/mixed/train.csv ]; then spam_args=(--spam-dir data/spam/mixed); fi
  torch_args=(--no-torch)
  if [ "$device" = cuda ] && $torch_cuda; then torch_args=(--python "$python"); fi
  step --show "bench on $device, end to end" "${BENCH_TIMEOUT:-175}" "bench-$device.txt" bench/Bench --device "$device" \
    --models-root models --work "$here/work/bench" --json "$out_dir/bench-$device.json" --end-to-end \
    "${spam_args[@]}" "${torch_args[@]}" "$@"
else
  skip "bench on $device, end to end" "no bundle"
fi

# The status says whether every step that ran was ok (skipped steps do not count against it).
exit $((not_ok > 0 ? 1 : 0))
