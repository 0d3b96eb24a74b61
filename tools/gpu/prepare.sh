#!/usr/bin/env bash
# Run HERE (a machine with the .NET SDK): publishes the CLI and the benchmark self-contained against ONNX Runtime's
# CUDA package and gathers what the GPU machine needs (no SDK and no internet there) into one folder, split into parts small
# enough to carry, with a manifest of checksums.
#   tools/gpu/prepare.sh [OUT]        (default .gpu/ in the repository root, git-ignored)
#   PART_SIZE=48m  size of each part (split -b); ARCH=90  the GPU architecture (SM version) whose cubins stay
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(realpath -m "${1:-$root/.gpu}")"
# The device tool carries at most 64 MiB per call for the WHOLE working tree (the tracked tree is ~3.6 MB and grows),
# so a part leaves room for the tree, SHA256SUMS and ARCH with a real margin.
part_size="${PART_SIZE:-48m}"
arch="${ARCH:-90}"
marker=.ortagent-gpu-bundle

# OUT is emptied first, so it must be a folder this script made (or an empty one), never something that holds more.
# Only the marker says so: SHA256SUMS is a common name, and a folder of someone's downloads with one in it was emptied.
refuse() { echo "prepare.sh: refusing to empty $out: $1" >&2; exit 2; }
case "$out" in
  / | "$(realpath -m "$HOME")") refuse "it is / or your home folder" ;;
esac
case "$root/" in "$out"/*) refuse "it is the repository root or a folder above it" ;; esac
if [ -e "$out" ]; then
  [ -d "$out" ] || refuse "it is not a folder"
  if [ -n "$(ls -A "$out")" ] && [ ! -f "$out/$marker" ]; then
    refuse "it is a folder that holds no earlier bundle (no $marker inside, which prepare.sh writes in the folders it makes)"
  fi
fi
rm -rf "$out"
mkdir -p "$out/bundle"
: >"$out/$marker"

# The CUDA build has bin/ and obj/ of its own (--artifacts-path, one folder per project, git-ignored as obj/), so it
# never rewrites the CPU build's obj/project.assets.json with the GPU package, and a CPU build running alongside does
# not race with it. Kept between runs so that a second prepare builds incrementally.
build="$root/tools/gpu/obj/cuda"
# The CLI and the bench share one folder, so the runtime and ONNX Runtime's natives travel once; the bench's
# end-to-end rows run this ortagent.
for project in src/OrtAgent/OrtAgent.csproj tools/bench/Bench.csproj; do
  dotnet publish "$root/$project" -c Release -r linux-x64 --self-contained -p:OrtAgentDevice=cuda \
    --artifacts-path "$build" -o "$out/bundle/bench"
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
# The blanked cubins keep their headers, so on another GPU the CUDA runtime would pick a blank one and fail at the
# first kernel ("no kernel image"); ARCH records the kept architecture and run.sh refuses any other GPU up front.
provider="$out/bundle/bench/libonnxruntime_providers_cuda.so"
python3 "$root/tools/gpu/prune_fatbin.py" "$provider" "$provider.pruned" --keep-arch "$arch"
mv "$provider.pruned" "$provider"
chmod +x "$provider"
echo "$arch" >"$out/bundle/ARCH"
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
  echo "prepare.sh: the SpamAssassin mixed split is in the bundle (end-to-end row on real data)"
else
  echo "prepare.sh: no SpamAssassin split in $spam (run tools/spam/prepare.sh --split mixed first); the bundle leaves" \
    "it out, so the bench's end-to-end rows on the GPU will not include the SpamAssassin run"
fi

# One archive, cut into parts; run.sh joins them again. xz, because every part is a separate carry to the machine.
tar -C "$out" -cf - bundle | xz -T0 -6 | split -b "$part_size" -d - "$out/bundle.tar.xz.part-"
rm -rf "$out/bundle"
# ARCH travels beside the parts (and inside the bundle) so run.sh can check the GPU before it unpacks anything;
# listing it in SHA256SUMS makes a run that did not carry it fail the check by name.
echo "$arch" >"$out/ARCH"
(cd "$out" && sha256sum bundle.tar.xz.part-* ARCH > SHA256SUMS)
cp "$root/tools/gpu/run.sh" "$out/"
ls -la "$out"
parts=$(ls "$out"/bundle.tar.xz.part-* | wc -l)
last=$(ls "$out"/bundle.tar.xz.part-* | tail -1)
echo "prepare.sh: $parts parts of at most $part_size for sm_$arch in $out ($(du -cb "$out"/bundle.tar.xz.part-* | tail -1 | cut -f1) bytes);" \
  "$parts device calls: one per part, the last carrying $(basename "$last"), SHA256SUMS and ARCH and running run.sh"
