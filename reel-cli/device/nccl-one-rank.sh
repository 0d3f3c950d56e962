#!/usr/bin/env bash
# dist (issue 15): one-rank NCCL on the single GPU; logs to $OUT
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
