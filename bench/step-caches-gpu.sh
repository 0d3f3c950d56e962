#!/usr/bin/env bash
# Acceptance 3 of issue 13: the denoising loop uncached vs TeaCache 0.08 vs PAB at 1.3B size, 81x480x832, CFG.
export NCCL_NVLS_ENABLE=0
# D holds what was carried: jre.txz, lib/ (reel-cli/target/lib without ffmpeg and the server-only jars), configs/, torch_wan_dit.py
D=${D:-.devwork/cache}
tar xJf $D/jre.txz -C /tmp
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > $OUT/gpu.txt 2>&1
J=(/tmp/jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -cp "$D/lib/*" dev.reel.cli.ReelCli)
timeout 245 "${J[@]}" bench cache --model $D/configs/wan2.1-t2v-1.3b --random-weights --random-text-embeddings \
  --tokenizer testdata/wan21-tiny/pipeline/tokenizer --prompt "A red fox runs through a snowy forest at dawn." \
  --height 480 --width 832 --frames 81 --steps 30 --guidance 5 --seed 1 --device cuda --dtype bf16 --vae-dtype bf16 \
  --warmup-steps 1 --cache teacache:0.08 --cache pab:2 --cache teacache:0 --cache pab:1 --cache magcache:0.12 > $OUT/bench.txt 2>&1
echo "bench rc=$?" >> $OUT/bench.txt
timeout 45 python3 $D/torch_wan_dit.py --config $D/configs/wan2.1-t2v-1.3b/transformer/config.json --frames 81 --height 480 --width 832 --reps 3 > $OUT/torch.txt 2>&1
echo "torch rc=$?" >> $OUT/torch.txt
