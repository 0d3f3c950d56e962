#!/usr/bin/env bash
# GPU-machine runs of reel-cuda (packed by pack.sh into .device/): environment, GPU parity tests, op timings
# (Reel and PyTorch), Wan DiT forward side by side with the PyTorch peer, VAE decode, UMT5, fixture parity.
# Usage on the device machine, from the repository root: bash .device/run.sh [env|parity|ops|dit|dit33|ditflash|vae|umt5|parityfix|convcheck|generate]...
set -u
export PYTHONUNBUFFERED=1
steps="${*:-env parity ops dit}"
tar xJf .device/jre.txz -C /tmp
J="/tmp/jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx24g -XX:+UseParallelGC -Dreel.cuda.cache=/tmp/reel-cubin"
CP=".device/lib/*"
for s in $steps; do
  echo "======== $s ($(date +%T))"
  case $s in
    env)
      nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv
      ldconfig -p | grep -E "libcuda\.so|libcublasLt|libnvrtc\.so|libcudnn\.so" | head
      ls -d /opt/torch/.venv/lib/python3*/site-packages/nvidia/*/lib 2>/dev/null | head -20
      python3 -c "import torch;print('torch',torch.__version__,'cuda',torch.version.cuda,'cudnn',torch.backends.cudnn.version())" ;;
    parity)
      timeout 400 $J -cp "$CP:.device/test-classes" org.junit.platform.console.ConsoleLauncher execute \
        --select-class dev.reel.cuda.CudaParityTest --include-tag gpu --details=summary --disable-banner 2>&1 | grep -v "^\s*$" ;;
    ops) timeout 200 $J -cp "$CP:.device/test-classes" dev.reel.cuda.CudaOpsBench ; timeout 200 python3 .device/torch_ops.py ;;
    dit)
      timeout 300 $J -cp "$CP" dev.reel.cli.BenchDitCommand --config .device/shared/configs/wan2.1-t2v-1.3b --frames 81 --height 480 --width 832 --device cuda
      timeout 300 python3 .device/shared/bench/torch_wan_dit.py --config .device/shared/configs/wan2.1-t2v-1.3b/transformer/config.json --frames 81 --height 480 --width 832 ;;
    vae) timeout 400 $J -cp "$CP" dev.reel.cli.BenchVaeCommand --config .device/shared/configs/wan2.1-t2v-1.3b --frames 81 --height 480 --width 832 ;;
    umt5)
      timeout 300 $J -cp "$CP" dev.reel.cli.BenchUmt5Command --config .device/shared/configs/wan2.1-t2v-1.3b --tokens 512
      timeout 200 python3 .device/torch_umt5.py .device/shared/configs/wan2.1-t2v-1.3b/text_encoder/config.json ;;
    ditflash) timeout 300 $J -cp "$CP" dev.reel.cli.BenchDitCommand --config .device/shared/configs/wan2.1-t2v-1.3b --frames 81 --height 480 --width 832 --device cuda --attention flash ;;
    parityfix)
      timeout 300 $J -cp "$CP" dev.reel.cli.ReelCli parity testdata/wan21-tiny --device cuda --dtype fp32
      timeout 300 $J -cp "$CP" dev.reel.cli.ReelCli parity testdata/wan21-tiny --device cuda --dtype bf16 --rtol 2e-2 ;;
    convcheck)
      timeout 200 $J -cp "$CP:.device/test-classes" org.junit.platform.console.ConsoleLauncher execute \
        --select-class dev.reel.cuda.CudnnConvolutionTest --include-tag gpu --details=none --disable-banner 2>&1 | grep -v "^\s*$"
      for conv in cudnn im2col; do timeout 200 $J -Dreel.cuda.convolution=$conv -cp "$CP" dev.reel.cli.ReelCli parity testdata/wan21-tiny --device cuda --dtype bf16 --rtol 2e-2 --case vae_decode; done ;;
    generate)
      /usr/bin/time -v timeout 400 $J -cp "$CP" dev.reel.cli.ReelCli generate --model .device/shared/configs/wan2.1-t2v-1.3b --random-weights \
        --tokenizer testdata/wan21-tiny/pipeline/tokenizer --prompt "A red fox runs through a snowy forest at dawn." \
        --negative-prompt "Bright tones, overexposed, static, blurred details" --height 480 --width 832 --frames 81 --steps 4 \
        --guidance 5 --seed 1 --device cuda --output /tmp/fox --format png 2>&1 | grep -v "^\s*\(Page\|Swaps\|File\|Socket\|Signals\|Average\|Exit\|Minor\|Major\|Voluntary\|Involuntary\|Percent\)" ;;
    dit33)
      timeout 300 $J -cp "$CP" dev.reel.cli.BenchDitCommand --config .device/shared/configs/wan2.1-t2v-1.3b --frames 33 --height 480 --width 832 --device cuda
      timeout 300 python3 .device/shared/bench/torch_wan_dit.py --config .device/shared/configs/wan2.1-t2v-1.3b/transformer/config.json --frames 33 --height 480 --width 832 ;;
  esac
done
echo "======== done ($(date +%T))"
