#!/usr/bin/env bash
# How Reel's demo model is made, with reel commands only: a procedural dataset, a pipeline with random weights,
# the VAE trained on the clips, the clips encoded into Parquet, the DiT trained on them, the result exported.
#   models/reel-demo/recipe/train.sh WORKDIR            (REEL=the reel command, default bin/reel)
# The sizes below are the recipe's (models/reel-demo/README.md says what each run used); each stage can be
# skipped by pointing its variable at an earlier result (VAE_PIPELINE=DIR skips the VAE stage).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:?usage: train.sh WORKDIR}
REEL=${REEL:-$here/../../../bin/reel}
CLIPS=${CLIPS:-3000}             # training clips (17 frames, 128x128, 16 fps)
VAE_CLIPS=${VAE_CLIPS:-1000}     # of them, the first ones the VAE trains on
VAE_STEPS=${VAE_STEPS:-2000}
VAE_BATCH=${VAE_BATCH:-32}       # windows of 9 frames; the VAE step is launch-bound, so batch is nearly free
VAE_LONG_STEPS=${VAE_LONG_STEPS:-600}   # then whole 17-frame clips
VAE_LONG_BATCH=${VAE_LONG_BATCH:-16}
VAE_TIME=${VAE_TIME:-0}          # seconds; 0: no limit
VAE_EVAL=${VAE_EVAL:-50}         # prompts of the VAE-only judge after the VAE stages (0: skip)
VAE_GDL=${VAE_GDL:-1}            # weight of the gradient-difference term (edges and motion; run 4's VAE smeared moving objects)
DIT_STEPS=${DIT_STEPS:-6000}
DIT_TIME=${DIT_TIME:-0}
DIT_BATCH=${DIT_BATCH:-64}       # run 6: 1.65x the clips/s of batch 32 (the step is launch-bound), half the updates of 128
DIT_LR=${DIT_LR:-1e-3}           # run 4: 1e-3 beat 5e-4 on every held-out attribute
PROFILE=${PROFILE:-3}            # the per-op table of this many early steps of the first VAE stage and of the DiT (0: none)
# VAE_INIT=DIR starts the VAE from that pipeline's vae/ (a warm start; default: the random one of reel init)
# DIT_INIT=DIR starts the DiT from that pipeline's transformer (a warm start); the VAE stage still runs unless
# VAE_PIPELINE=DIR names a finished one
# DIT_CSV=FILE (in WORKDIR/data) preprocesses only the clips it lists; PREPROCESS_JOBS=N (default 1) in N processes
# DIT_SEED (default 0) seeds the DiT's batches, noise and dropout; DIT_WARMUP (default 200) its warm-up steps
# TRAIN_TEXT_ENCODER=1 trains the UMT5 text encoder with the DiT (train --train-text-encoder; DIT_INIT's text encoder
# is then the starting point too)
# DIT_STEPS is the cosine's length: a run continued with a larger or smaller DIT_STEPS re-times the rest of its schedule
# VAE_DECODER_STEPS=N (default 0) first fine-tunes the VAE's decoder alone for N steps (train-vae --decoder-only): the
# encoder and its latents stay bit for bit, so a DiT warm-started with DIT_INIT on the same VAE stays valid
# Every stage is skipped when its output exists, and a DiT stopped by DIT_TIME continues from its last checkpoint, so
# the script can be run again with the same WORKDIR (GPU sessions in several calls on one machine).
mkdir -p "$work"
t() { local start=$SECONDS; echo "== $(date +%T) ${*:2}"; "$@"; echo "== $((SECONDS - start)) s"; }

[ -d "$work/data" ] || t $REEL dataset shapes --output "$work/data" --count "$CLIPS" --seed 1
[ -d "$work/init" ] || t $REEL init --configs "$here/configs" --tokenizer "$work/data/tokenizer" --output "$work/init" --seed 0
head -n $((VAE_CLIPS + 1)) "$work/data/captions.csv" > "$work/data/vae-clips.csv"
if [ -z "${VAE_PIPELINE:-}" ]; then
  VAE_PIPELINE=$work/vae
  # stage 1: 9-frame windows (the causal chunks 0-2) and single frames; stage 2: whole 17-frame clips, so the chunks
  # after the third are trained too (run 3's VAE drifted on frames 9-16, which 9-frame windows never reach)
  [ -d "$work/vae-short" ] || [ -d "$VAE_PIPELINE" ] || t $REEL train-vae --model "${VAE_INIT:-$work/init}" --videos "$work/data/vae-clips.csv" --output "$work/vae-short" \
      --steps "$VAE_STEPS" --batch-size "$VAE_BATCH" --frames 9 --image-every 4 --crop 64 --lr 1e-3 --lr-schedule cosine --warmup-steps 50 --kl-weight 1e-4 \
      --gdl-weight "$VAE_GDL" --stat-clips 200 --seed 0 --time-limit "$VAE_TIME" --profile-steps "$PROFILE"
  [ -d "$VAE_PIPELINE" ] || t $REEL train-vae --model "$work/vae-short" --videos "$work/data/vae-clips.csv" --output "$VAE_PIPELINE" \
      --steps "$VAE_LONG_STEPS" --batch-size "$VAE_LONG_BATCH" --frames 17 --image-every 4 --crop 64 --lr 3e-4 --lr-schedule cosine --warmup-steps 20 \
      --kl-weight 1e-4 --gdl-weight "$VAE_GDL" --stat-clips 200 --seed 1 --time-limit "$VAE_TIME"
  # what the VAE keeps of what the judge looks for: the ceiling of the whole model
  [ "$VAE_EVAL" = 0 ] || [ -d "$work/eval-vae" ] || t $REEL eval demo --vae-only --model "$VAE_PIPELINE" --dataset-seed 1 --count "$VAE_EVAL" --output "$work/eval-vae"
fi
if [ "${VAE_DECODER_STEPS:-0}" -gt 0 ]; then
  [ -d "$work/vae-decoder" ] || t $REEL train-vae --model "$VAE_PIPELINE" --videos "$work/data/vae-clips.csv" --output "$work/vae-decoder" --decoder-only \
      --steps "$VAE_DECODER_STEPS" --batch-size "$VAE_LONG_BATCH" --frames 17 --image-every 4 --crop 64 --lr 3e-4 --lr-schedule cosine --warmup-steps 20 \
      --kl-weight 1e-4 --gdl-weight "$VAE_GDL" --seed 2 --time-limit "$VAE_TIME"
  VAE_PIPELINE=$work/vae-decoder
  [ "$VAE_EVAL" = 0 ] || [ -d "$work/eval-vae-decoder" ] || t $REEL eval demo --vae-only --model "$VAE_PIPELINE" --dataset-seed 1 --count "$VAE_EVAL" --output "$work/eval-vae-decoder"
fi
DIT_MODEL=$VAE_PIPELINE
if [ -n "${DIT_INIT:-}" ]; then   # the VAE's pipeline with DIT_INIT's transformer weights
  DIT_MODEL=$work/dit-init
  [ -d "$DIT_MODEL" ] || { cp -r "$VAE_PIPELINE" "$DIT_MODEL" && cp "$DIT_INIT"/transformer/* "$DIT_MODEL/transformer/" \
      && cp "$DIT_INIT"/text_encoder/* "$DIT_MODEL/text_encoder/"; }
fi
# the clips are encoded by PREPROCESS_JOBS processes side by side (one is launch-bound), each writing its own Parquet
# file from its share of the CSV (kept in data/, as the clip paths in it are relative to the CSV)
jobs=${PREPROCESS_JOBS:-1}
parts=()
for ((i = 0; i < jobs; i++)); do parts+=("$work/train-$i.parquet"); done
if [ ! -f "${parts[-1]}" ]; then
  csv=$work/data/${DIT_CSV:-captions.csv}
  rows=$(($(wc -l < "$csv") - 1))
  start=$SECONDS
  echo "== $(date +%T) preprocess $rows clips in $jobs processes"
  for ((i = 0; i < jobs; i++)); do
    { head -n 1 "$csv"; tail -n +2 "$csv" | awk -v n="$jobs" -v i="$i" '(NR - 1) % n == i'; } > "$work/data/share-$i.csv"
    $REEL preprocess --videos "$work/data/share-$i.csv" --model "$DIT_MODEL" --output "${parts[$i]}" \
      --frames 17 --height 128 --width 128 --max-sequence-length 32 > "$work/preprocess-$i.log" 2>&1 &
  done
  wait
  for p in "${parts[@]}"; do [ -f "$p" ] || { echo "preprocess failed: $p (see $work/preprocess-*.log)" >&2; exit 1; }; done
  echo "== $((SECONDS - start)) s"
fi
last=$(ls -d "$work"/dit/checkpoint-* 2>/dev/null | sort | tail -1 || true)   # a time limit saves one (and exports)
if [ -z "$last" ] || [ $((10#${last##*-})) -lt "$DIT_STEPS" ]; then
  rm -rf "$work/reel-demo"   # the export of a run a time limit stopped: remade when the run continues
  t $REEL train --model "$DIT_MODEL" --data "$(IFS=,; echo "${parts[*]}")" --output "$work/dit" --export "$work/reel-demo" ${last:+--resume "$last"} \
    --steps "$DIT_STEPS" --batch-size "$DIT_BATCH" --lr "$DIT_LR" --lr-schedule cosine --warmup-steps "${DIT_WARMUP:-200}" --weight-decay 0.01 --checkpoint-every 500 \
    --sigma-sampling uniform --flow-shift 2 --text-dropout 0.1 --ema-decay "${DIT_EMA:-0.999}" --max-grad-norm 1 --seed "${DIT_SEED:-0}" \
    --no-gradient-checkpointing --time-limit "$DIT_TIME" --profile-steps "$PROFILE" ${TRAIN_TEXT_ENCODER:+--train-text-encoder}
fi
echo "== $(date +%T) done: $work/reel-demo"
