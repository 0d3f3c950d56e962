#!/usr/bin/env bash
# Packs the cuda worktree's build for the device machine into /work/main/.device (run after mvn install).
set -euo pipefail
wt=/work/wt/cuda
cd /work/main
/work/shared/tools/device-java --without 'tokenizers|websocket|ffmpeg|javacv|javacpp|jetty|javalin|kotlin|prometheus|micrometer|HdrHistogram|LatencyUtils|annotations-13' \
  $wt/reel-cli/target/lib /tmp/junit >/dev/null
rm -rf .device/test-classes && cp -r $wt/reel-cuda/target/test-classes .device/test-classes
cp $wt/tools-device/run.sh $wt/tools-device/*.py .device/
du -sh .device; ls .device/lib | wc -l
