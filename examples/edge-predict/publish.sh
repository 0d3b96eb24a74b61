#!/usr/bin/env bash
# Publishes edge-predict as a self-contained, trimmed app (no .NET SDK or runtime needed on the target) and prints
# the folder's size.
set -euo pipefail
usage='usage: examples/edge-predict/publish.sh [--runtime RID] [OUTPUT_DIR]
  --runtime RID  the target: linux-x64 (default) or linux-arm64 (most edge boards; built here, not run here)
  OUTPUT_DIR     default: artifacts/edge-predict (artifacts/edge-predict-RID for another target)'
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
rid=linux-x64
out=
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) echo "$usage"; exit 0 ;;
    --runtime)
      [ $# -ge 2 ] || { echo "error: --runtime needs a value (linux-x64 or linux-arm64)" >&2; exit 2; }
      case "$2" in linux-x64|linux-arm64) rid="$2" ;; *) echo "error: --runtime $2: expected linux-x64 or linux-arm64" >&2; exit 2 ;; esac
      shift 2 ;;
    -*) echo "error: unknown option '$1'" >&2; echo "$usage" >&2; exit 2 ;;
    *)
      [ -z "$out" ] || { echo "error: one OUTPUT_DIR only, got '$out' and '$1'" >&2; exit 2; }
      out="$1"; shift ;;
  esac
done
if [ -z "$out" ]; then
  out="$repo/artifacts/edge-predict"
  [ "$rid" = linux-x64 ] || out="$out-$rid"
fi

# No debug symbols or XML docs: a device runs the app, nobody debugs it there. Those switches reach every project
# built, OrtAgent.Runtime too, so the build runs in its own intermediate and output folders (--artifacts-path): built
# in the projects' bin/ and obj/, it replaced OrtAgent.Runtime's normal Release output with one without its pdb and
# XML docs until the next build.
dotnet publish "$here/EdgePredict.csproj" -c Release -r "$rid" --self-contained \
  --artifacts-path "$repo/artifacts/edge-predict-build" \
  -p:PublishTrimmed=true -p:DebugType=none -p:GenerateDocumentationFile=false -o "$out" -nologo

echo "published $out ($rid): $(du -sh "$out" | cut -f1) in $(find "$out" -type f | wc -l) files"
echo "run it: $out/edge-predict MODEL_DIR \"some text\""
