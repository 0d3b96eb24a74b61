#!/usr/bin/env bash
# Publishes edge-predict as a self-contained, trimmed linux-x64 app (no .NET SDK or runtime needed on the target)
# and prints the folder's size. Usage: examples/edge-predict/publish.sh [OUTPUT_DIR]   (default: artifacts/edge-predict)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$repo/artifacts/edge-predict}"

dotnet publish "$here/EdgePredict.csproj" -c Release -r linux-x64 --self-contained \
  -p:PublishTrimmed=true -o "$out" -nologo

echo "published $out: $(du -sh "$out" | cut -f1) in $(find "$out" -type f | wc -l) files"
echo "run it: $out/edge-predict MODEL_DIR \"some text\""
