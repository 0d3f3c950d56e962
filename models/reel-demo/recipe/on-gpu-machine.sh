#!/usr/bin/env bash
# The demo recipe on the project's GPU machine, which has no Java: run from the checkout's root there, with a
# training pack (reel-cuda/device/pack.sh && reel-cuda/device/pack-extra.sh, carried as PACK, default .device).
#   bash models/reel-demo/recipe/on-gpu-machine.sh WORKDIR OUTDIR      (the variables of train.sh pass through)
# WORKDIR stays on the machine (a later call that finds the machine warm runs this again and continues in it);
# OUTDIR gets what comes back, in pieces under the 16 MiB a returned file may have: the exported transformer
# weights, the rest of the model folder, the trained VAE pipeline (minus its untrained transformer) and the logs.
set -euo pipefail
work=${1:?usage: on-gpu-machine.sh WORKDIR OUTDIR}
out=${2:?usage: on-gpu-machine.sh WORKDIR OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
pack=$(realpath -m "${PACK:-.device}")   # needed only by a call that unpacks
export NCCL_NVLS_ENABLE=0 PYTHONUNBUFFERED=1
jre=/tmp/reel-jre
[ -x $jre/jre/bin/java ] || { mkdir -p $jre && tar xJf "$pack/jre.txz" -C $jre; }   # (an earlier call may have unpacked it)
# unpacked into /tmp, so a later call on the same warm machine needs to carry neither archive
lib=/tmp/reel-lib
[ -d $lib/lib ] || { mkdir -p $lib && tar xJf "$pack/lib.txz" -C $lib && tar xJf "$pack/reel.txz" -C $lib; }
cat > /tmp/reel <<EOS
#!/usr/bin/env bash
exec $jre/jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx64g -XX:+UseParallelGC -cp "$lib/lib/*" dev.reel.cli.ReelCli "\$@"
EOS
chmod +x /tmp/reel
mkdir -p "$out"
REEL=/tmp/reel bash "$here/train.sh" "$work" 2>&1 | grep -v '^\[' | tee "$out/train.log"
m=$work/reel-demo
if [ -d "$m" ]; then   # a DiT stopped by DIT_TIME has no export yet: the next call continues it
  cp "$m/transformer/diffusion_pytorch_model.safetensors" "$out/transformer.safetensors"
  tar -C "$work" -czf "$out/model-rest.tgz" --exclude='reel-demo/transformer/*.safetensors' reel-demo
fi
[ -d "$work/vae" ] && tar -C "$work" -czf "$out/vae.tgz" --exclude='vae/transformer/*.safetensors' vae
tar -C "$work" -czf "$out/logs.tgz" --ignore-failed-read dit/loss.csv dit/loss.png vae/loss.csv vae/loss.png data/heldout.csv
ls -la "$out"
