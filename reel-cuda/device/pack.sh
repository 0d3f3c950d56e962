#!/usr/bin/env bash
# Packs this checkout's build for a GPU machine that has CUDA and Python but no Java: a Java 25 runtime, the
# reel-cli jars, the GPU test classes (reel-cuda, reel-cli), the JUnit console launcher and this folder's scripts,
# into .device/ at the checkout's root (see ../../README.md, "GPU tests").
#
# Usage, from anywhere in the checkout, after `./mvnw -B package -DskipTests`:
#   reel-cuda/device/pack.sh [--with-ffmpeg] [--with-server]   (MP4 output; reel serve and its end-to-end test)
# DEVICE_JAVA names the packing tool (default: ../shared/tools/device-java beside the checkout).
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$root"
tool=${DEVICE_JAVA:-$root/../shared/tools/device-java}
[ -x "$tool" ] || { echo "pack.sh: no packing tool at $tool (set DEVICE_JAVA)" >&2; exit 2; }
[ -d reel-cli/target/lib ] || { echo "pack.sh: build first: ./mvnw -B package -DskipTests" >&2; exit 2; }
# the HTTP server, browser tests and FFmpeg's natives are not needed by most GPU runs and would exceed the size limit
with_ffmpeg=0 with_server=0
for a in "$@"; do
  case $a in --with-ffmpeg) with_ffmpeg=1 ;; --with-server) with_server=1 ;; *) echo "pack.sh: unknown option $a (allowed: --with-ffmpeg --with-server)" >&2; exit 2 ;; esac
done
without=(--without 'selenium|parquet|hadoop|carpet|snappy|zstd|aircompressor')
[ $with_server = 1 ] || without+=(--without 'websocket|javalin|jetty|kotlin|prometheus|micrometer|HdrHistogram|LatencyUtils|annotations-13|jedis|commons-pool')
[ $with_ffmpeg = 1 ] || without+=(--without 'ffmpeg|javacv|javacpp')
junit=$(mktemp -d)
trap 'rm -rf "$junit"' EXIT
./mvnw -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.11.4 -DoutputDirectory="$junit" >/dev/null
# the tool writes .device/ at the root of the git repository it runs in; a scratch one also serves git worktrees
scratch=$(mktemp -d)
trap 'rm -rf "$junit" "$scratch"' EXIT
git -C "$scratch" init -q && touch "$scratch/.keep" && git -C "$scratch" add .keep  # its size check counts tracked files
(cd "$scratch" && "$tool" "${without[@]}" "$root/reel-cli/target/lib" "$junit")
rm -rf .device && mv "$scratch/.device" .device
# the GPU machine is linux-x86_64: the tokenizers jar's other natives (13 MB) are dead weight under the size limit
for j in .device/lib/tokenizers-*.jar; do zip -q -d "$j" 'native/lib/linux-aarch64/*' 'native/lib/osx-*' 'native/lib/win-*' >/dev/null || true; done
rm -rf .device/test-classes && mkdir -p .device/test-classes
cp -r reel-cuda/target/test-classes .device/test-classes/reel-cuda
cp -r reel-cli/target/test-classes .device/test-classes/reel-cli
cp -r reel-train/target/test-classes .device/test-classes/reel-train   # the CUDA backward against the CPU one
cp -r reel-core/target/test-classes .device/test-classes/reel-core   # TestFixtures: where the GPU tests find the fixture set
cp -r reel-pipeline/target/test-classes .device/test-classes/reel-pipeline   # VideoProbe, for run.sh e2e
cp reel-cuda/device/run.sh reel-cuda/device/*.py .device/
du -sh .device
