#!/usr/bin/env bash
# The speed figures of the README, on this machine: detector inference at
# batch 1 and 16 (224 px), grader inference, and `cervai run` end to end on
# 100 phantom patients (patients/s, time per stage, peak memory). Uses the
# demo models, so run `bash scripts/demo.sh` first. With --yolov8n it also
# times Ultralytics YOLOv8n from Python (scripts/bench-yolov8n.sh; the first
# time installs torch and ultralytics from PyPI, several GB).
#
# Timings mean something only on otherwise idle cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

THREADS=${BENCH_THREADS:-2}
detector=demo/models/detector/detector.ckpt
grader=demo/models/grader/grader.safetensors
for model in "$detector" "$grader"; do
  [ -f "$model" ] || { echo "bench: $model is missing; run bash scripts/demo.sh first" >&2; exit 2; }
done

cargo build --quiet --bin cervai
cervai=target/debug/cervai
step() { printf '\n== %s\n' "$*"; }

step "detector inference, 224x224, $THREADS threads"
$cervai -q detector bench --model "$detector" --threads "$THREADS" --batch 1,16 --iters 50

step "grader inference, $THREADS threads"
$cervai -q classifier bench --model "$grader" --threads "$THREADS"

step "cervai run: 100 phantom patients, all stages, $THREADS threads"
cohort=runs/bench/cohort
[ -f "$cohort/train.json" ] || $cervai -q synth --out "$cohort" --patients 100 --seed 100
rm -rf runs/bench/run
$cervai -q run --data "$cohort" --out runs/bench/run --detector "$detector" --grader "$grader" \
  --threads "$THREADS"

if [ "${1:-}" = "--yolov8n" ]; then
  step "Ultralytics YOLOv8n from Python, 224x224, $THREADS threads (fused, as its predict does)"
  bash scripts/bench-yolov8n.sh --threads "$THREADS" --batches 1,16 --iters 50 --fuse
fi
