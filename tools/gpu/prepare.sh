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
dotnet run --project "$root/src/OrtAgent" -c Release -- models pull minilm --models-root "$out/bundle/models"
# The bench finds the PyTorch reference as tools/parity/ under the folder holding OrtAgent.sln.
mkdir -p "$out/bundle/tools"
cp -r "$root/tools/parity" "$out/bundle/tools/"
cp "$root/OrtAgent.sln" "$out/bundle/"
# The SpamAssassin CSVs, when tools/spam/prepare.sh has written them, for the end-to-end row on real data.
if [ -f "$root/data/external/spam/train.csv" ] && [ -f "$root/data/external/spam/test.csv" ]; then
  mkdir -p "$out/bundle/data/spam"
  cp "$root/data/external/spam/train.csv" "$root/data/external/spam/test.csv" "$out/bundle/data/spam/"
fi

# One archive, cut into parts; run.sh joins them again.
tar -C "$out" -cf - bundle | gzip -1 | split -b "$part_size" -d - "$out/bundle.tgz.part-"
rm -rf "$out/bundle"
(cd "$out" && sha256sum bundle.tgz.part-* > SHA256SUMS)
cp "$root/tools/gpu/run.sh" "$out/"
ls -la "$out"
