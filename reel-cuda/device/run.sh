#!/usr/bin/env bash
# Runs a pack made by pack.sh on the GPU machine, from the checkout's root (where testdata/ is):
#   bash .device/run.sh [STEP]...        (default: env tests parity dit)
# Steps: env (GPU, libraries, PyTorch), tests (every gpu-tagged JUnit test), parity (reel parity of the fixture
# set on cuda in fp32 and bf16), dit (the Wan2.1-1.3B DiT forward at 81×480×832 bf16 next to the PyTorch peer),
# dit33 (33 frames), ditflash (Reel's own attention kernel), vae, umt5 (with the Transformers peer), ops (per-op
# timings next to PyTorch). PACK overrides the pack's folder (default: the folder of this script).
set -u
export PYTHONUNBUFFERED=1 NCCL_NVLS_ENABLE=0
pack=${PACK:-$(cd "$(dirname "$0")" && pwd)}
steps="${*:-env tests parity dit}"
jre=$(mktemp -d)
tar xJf "$pack/jre.txz" -C "$jre"
J="$jre/jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx24g -XX:+UseParallelGC"
[ -f "$pack/lib.txz" ] && [ ! -d "$pack/lib" ] && tar xJf "$pack/lib.txz" -C "$pack" && tar xJf "$pack/reel.txz" -C "$pack"   # a training pack (pack-extra.sh)
CP="$pack/lib/*"
TCP="$CP:$pack/test-classes/reel-cuda:$pack/test-classes/reel-cli:$pack/test-classes/reel-train:$pack/test-classes/reel-core"
CFG="$pack/shared/configs/wan2.1-t2v-1.3b"
PEER="$pack/shared/bench/torch_wan_dit.py"
fail=0
for s in $steps; do
  echo "======== $s ($(date +%T))"
  case $s in
    env)
      nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv
      python3 -c "import torch;print('torch',torch.__version__,'cuda',torch.version.cuda,'cudnn',torch.backends.cudnn.version())" ;;
    tests)
      timeout 500 $J -cp "$TCP" org.junit.platform.console.ConsoleLauncher execute --include-tag gpu \
        --select-package dev.reel.cuda --select-package dev.reel.cli --select-package dev.reel.train \
        --details=summary --disable-banner || fail=1 ;;
    parity)
      timeout 300 $J -cp "$CP" dev.reel.cli.ReelCli parity testdata/wan21-tiny --device cuda --dtype fp32 || fail=1
      timeout 300 $J -cp "$CP" dev.reel.cli.ReelCli parity testdata/wan21-tiny --device cuda --dtype bf16 --rtol 2e-2 ;;
    dit)
      timeout 300 $J -cp "$CP" dev.reel.cli.BenchDitCommand --config "$CFG" --frames 81 --height 480 --width 832 --device cuda --dtype bf16
      timeout 300 python3 "$PEER" --config "$CFG/transformer/config.json" --frames 81 --height 480 --width 832 ;;
    dit33)
      timeout 300 $J -cp "$CP" dev.reel.cli.BenchDitCommand --config "$CFG" --frames 33 --height 480 --width 832 --device cuda --dtype bf16
      timeout 300 python3 "$PEER" --config "$CFG/transformer/config.json" --frames 33 --height 480 --width 832 ;;
    ditflash) timeout 300 $J -cp "$CP" dev.reel.cli.BenchDitCommand --config "$CFG" --frames 81 --height 480 --width 832 --device cuda --attention flash ;;
    vae) timeout 400 $J -cp "$CP" dev.reel.cli.BenchVaeCommand --config "$CFG" --frames 81 --height 480 --width 832 ;;
    umt5)
      timeout 300 $J -cp "$CP" dev.reel.cli.BenchUmt5Command --config "$CFG" --tokens 512
      timeout 200 python3 "$pack/torch_umt5.py" "$CFG/text_encoder/config.json" ;;
    ops) timeout 200 $J -cp "$TCP" dev.reel.cuda.CudaOpsBench ; timeout 200 python3 "$pack/torch_ops.py" ;;
    *) echo "unknown step '$s'; allowed: env tests parity dit dit33 ditflash vae umt5 ops" >&2; fail=1 ;;
  esac
done
rm -rf "$jre"
echo "======== done ($(date +%T)), $([ $fail = 0 ] && echo ok || echo FAILED)"
exit $fail
