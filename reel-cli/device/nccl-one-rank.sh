#!/usr/bin/env bash
# One-rank NCCL check on a single GPU (issue 15): NcclOneRankTest's main, without a JUnit launcher; logs to $OUT.
# Pack (here): ./mvnw -o package -DskipTests -pl reel-cli -am && ./mvnw -o test-compile -pl reel-cli; then into
# .devwork/dist/: a jlink JRE as jre.txz (see ../shared/tools/device-java), lib/ = reel-cli/target/lib without FFmpeg,
# DJL and Jetty plus junit-jupiter-api, junit-platform-commons and opentest4j, test-classes/ = reel-cli/target/test-classes,
# shared/configs/wan2.1-t2v-1.3b. Run there: bash .devwork/dist/run.sh
set -u
export NCCL_NVLS_ENABLE=0 NCCL_DEBUG=WARN
D=.devwork/dist
tar xJf $D/jre.txz -C /tmp
J="/tmp/jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx16g -Dreel.cuda.cache=/tmp/reel-cubin"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/env.txt 2>&1
ls -d /opt/torch/.venv/lib/python3*/site-packages/nvidia/nccl/lib 2>/dev/null >> $OUT/env.txt
ls /opt/torch/.venv/lib/python3*/site-packages/nvidia/nccl/lib 2>/dev/null >> $OUT/env.txt
ldconfig -p | grep -i nccl >> $OUT/env.txt
timeout 150 $J -Dreel.test.configs=$D/shared/configs -cp "$D/lib/*:$D/test-classes" dev.reel.cli.NcclOneRankTest > $OUT/nccl.log 2>&1
echo "rc=$?" >> $OUT/nccl.log
tail -40 $OUT/nccl.log
