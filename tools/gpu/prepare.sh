#!/usr/bin/env bash
# Run HERE (a machine with the .NET SDK): publishes the CLI and the benchmark self-contained against ONNX Runtime's
# CUDA package and gathers what the GPU machine needs (no SDK and no internet there) into one folder, split into parts small
# enough to carry, with a manifest of checksums.
#   tools/gpu/prepare.sh [OUT]        (default .gpu/ in the repository root, git-ignored)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/.gpu}"
part_size="${PART_SIZE:-60m}"
rm -rf "$out"
mkdir -p "$out/bundle"

# The CLI and the bench share one folder, so the runtime and ONNX Runtime's natives travel once; the bench's
# end-to-end rows run this ortagent.
for project in src/OrtAgent/OrtAgent.csproj tools/bench/Bench.csproj; do
  dotnet publish "$root/$project" -c Release -r linux-x64 --self-contained -p:OrtAgentDevice=cuda -o "$out/bundle/bench"
done
# The GPU package also drops its Windows natives (onnxruntime*.dll, 215 MB) into a linux-x64 publish; they only
# weigh on the carry. The managed Microsoft.ML.OnnxRuntime.dll stays.
rm -f "$out/bundle/bench/"onnxruntime*.dll
"$out/bundle/bench/ortagent" models pull minilm --models-root "$out/bundle/models"
# The pulled minilm is what the bench and run.sh use (--models-root), so the packaged encoders (two DLLs of 90 MB
# each) and the publish's copy of data/external stay behind.
rm -rf "$out/bundle/bench/basemodels" "$out/bundle/bench/data/external"
# The CUDA provider carries cubins for every architecture from sm_75 to sm_120; the GPU machine lent here is an H200
# (sm_90), so the others are blanked and the provider packs into a quarter of its size (ARCH=89 for an L4, say).
provider="$out/bundle/bench/libonnxruntime_providers_cuda.so"
python3 "$root/tools/gpu/prune_fatbin.py" "$provider" "$provider.pruned" --keep-arch "${ARCH:-90}"
mv "$provider.pruned" "$provider"
chmod +x "$provider"
# The bench finds the PyTorch reference as tools/parity/ under the folder holding OrtAgent.sln.
mkdir -p "$out/bundle/tools"
cp -r "$root/tools/parity" "$out/bundle/tools/"
cp "$root/OrtAgent.sln" "$out/bundle/"
# The SpamAssassin mixed split (the accuracy reference), when `tools/spam/prepare.sh --split mixed` has written it,
# for the end-to-end row on real data.
spam="$root/data/external/spam/mixed"
if [ -f "$spam/train.csv" ] && [ -f "$spam/test.csv" ]; then
  mkdir -p "$out/bundle/data/spam/mixed"
  cp "$spam/train.csv" "$spam/test.csv" "$out/bundle/data/spam/mixed/"
fi

# One archive, cut into parts; run.sh joins them again. xz, because every part is a separate carry to the machine.
tar -C "$out" -cf - bundle | xz -T0 -6 | split -b "$part_size" -d - "$out/bundle.tar.xz.part-"
rm -rf "$out/bundle"
(cd "$out" && sha256sum bundle.tar.xz.part-* > SHA256SUMS)
cp "$root/tools/gpu/run.sh" "$out/"
ls -la "$out"
