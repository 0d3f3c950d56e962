#!/usr/bin/env bash
# Turns a pack made by pack.sh into a training pack: every jar the reel CLI needs for training runs on the GPU
# machine (FFmpeg, Parquet and Hadoop too, which pack.sh leaves out for size), each re-stored uncompressed with only
# its linux-x86_64 natives, xz-compressed together into .device/lib.txz (about a third smaller than the jars).
# The server's jars and the JUnit launcher stay out; Reel's own jars go separately into .device/reel.txz. run.sh
# unpacks both into the pack's lib/ when they are there.
#   reel-cuda/device/pack.sh && reel-cuda/device/pack-extra.sh
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$root"
[ -d .device/lib ] || { echo "pack-extra.sh: run pack.sh first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lib"
# the dependencies' archive is made once per set of jar names (slow: xz -9 over ~150 MB) and kept in the cache
key=$(ls reel-cli/target/lib | grep -v '^reel-' | md5sum | cut -c1-12)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/reel-device/deps-$key.txz
mkdir -p "$(dirname "$cache")" "$work/reel/lib"
for jar in reel-cli/target/lib/*.jar; do
  name=$(basename "$jar")
  case "$name" in reel-*) cp "$jar" "$work/reel/lib/"; continue ;; esac
  [ -f "$cache" ] && continue
  case "$name" in websocket*|javalin*|jetty*|kotlin*|prometheus*|micrometer*|HdrHistogram*|LatencyUtils*|annotations-13*|selenium*|jedis*|commons-pool*|jakarta.servlet*|jsoup*) continue ;; esac
  # jars no training command loads (a class-load log of the demo recipe at toy size): without them the pack and
  # the checkout fit the 64 MiB a call may carry
  case "$name" in aircompressor*|asm-*|commons-codec*|commons-compress*|commons-io*|commons-math3*|error_prone*|gson*|jakarta.*|javax.annotation*|json-*|redis-authx*|zstd-jni*) continue ;; esac
  mkdir "$work/x" && unzip -q "$jar" -d "$work/x"
  # natives of other platforms (DJL tokenizers, zstd-jni, snappy-java keep one folder per platform)
  find "$work/x" -type d \( -path '*native/lib/*' -o -path '*/linux/*' -o -path '*/darwin*' -o -path '*/win*' -o -path '*/freebsd*' -o -path '*/aix*' -o -path '*/Mac*' -o -path '*/Windows*' -o -path '*/Linux/*' -o -path '*/SunOS*' -o -path '*/AIX*' \) -prune \
       ! -path '*linux-x86_64*' ! -path '*/linux/amd64*' ! -path '*/Linux/x86_64*' ! -path '*/linux' ! -path '*/Linux' -exec rm -rf {} + 2>/dev/null || true
  rm -f "$work"/x/org/bytedeco/ffmpeg/*/ffmpeg "$work"/x/org/bytedeco/ffmpeg/*/ffprobe   # the programs; Reel loads the libraries
  (cd "$work/x" && zip -q -0 -r "$work/lib/$name" .)
  rm -rf "$work/x"
done
rm -rf .device/lib .device/test-classes/reel-cli
[ -f "$cache" ] || tar -C "$work" -cf - lib | xz -9 -T2 > "$cache"
cp "$cache" .device/lib.txz
tar -C "$work/reel" -cJf .device/reel.txz lib
du -sh .device/lib.txz .device
