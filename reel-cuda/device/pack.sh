#!/usr/bin/env bash
# Packs a build for the GPU machine into /work/main/.device (run after ./mvnw install -DskipTests and
# ./mvnw -pl reel-cuda test-compile; the JUnit console launcher jar is expected in /tmp/junit).
set -euo pipefail
wt=$(cd "$(dirname "$0")/../.." && pwd)
cd /work/main
/work/shared/tools/device-java --without 'websocket|ffmpeg|javacv|javacpp|jetty|javalin|kotlin|prometheus|micrometer|HdrHistogram|LatencyUtils|annotations-13' \
  $wt/reel-cli/target/lib /tmp/junit >/dev/null
rm -rf .device/test-classes && cp -r $wt/reel-cuda/target/test-classes .device/test-classes
cp $wt/reel-cuda/device/run.sh $wt/reel-cuda/device/*.py .device/
du -sh .device; ls .device/lib | wc -l
