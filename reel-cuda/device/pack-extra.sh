#!/usr/bin/env bash
# Adds to a pack made by pack.sh the jars that training runs need and pack.sh leaves out for size (FFmpeg, Parquet
# and Hadoop, the tokenizers' natives): re-stored uncompressed and xz-compressed together into .device/extra.txz,
# which packs them about a third smaller than their jars; the tokenizers jar keeps only its linux-x86_64 native.
# run.sh unpacks extra.txz into the pack's lib/ when it is there.
#   reel-cuda/device/pack.sh && reel-cuda/device/pack-extra.sh
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$root"
[ -d .device/lib ] || { echo "pack-extra.sh: run pack.sh first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lib"
for jar in reel-cli/target/lib/*.jar; do
  name=$(basename "$jar")
  [ -e ".device/lib/$name" ] && continue
  case "$name" in websocket*|javalin*|jetty*|kotlin*|prometheus*|micrometer*|HdrHistogram*|LatencyUtils*|annotations-13*|selenium*|jedis*|commons-pool*) continue ;; esac
  mkdir "$work/x" && unzip -q "$jar" -d "$work/x"
  case "$name" in tokenizers-*) find "$work/x/native/lib" -mindepth 1 -maxdepth 1 ! -name linux-x86_64 -exec rm -rf {} + ;; esac
  (cd "$work/x" && zip -q -0 -r "$work/lib/$name" .)
  rm -rf "$work/x"
done
rm -f .device/lib/tokenizers-*.jar   # replaced by the trimmed copy
tar -C "$work" -cf - lib | xz -6 -T2 > .device/extra.txz
du -sh .device/extra.txz .device
