#!/usr/bin/env bash
# The main job, end to end on the demo cohort: set-up, build, generate
# phantom studies, train the detector and the graders briefly, run the
# staged pipeline on held-out patients and print the official score.
# Every step is skipped when its output exists, so a second run is quick;
# `rm -rf demo` starts afresh. Knobs: DEMO_TRAIN, DEMO_HELDOUT (patients).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

TRAIN=${DEMO_TRAIN:-240}
HELDOUT=${DEMO_HELDOUT:-60}
step() { printf '\n== %s\n' "$*"; }

step "build"
cargo build --quiet --bin cervai
cervai=target/debug/cervai

step "demo cohort: $TRAIN training and $HELDOUT held-out phantom patients"
[ -f demo/train/train.json ] || $cervai synth --out demo/train --patients "$TRAIN" --seed 1
[ -f demo/heldout/train.json ] || $cervai synth --out demo/heldout --patients "$HELDOUT" --seed 2

step "train the C2–C7 detector"
detector=demo/models/detector/detector.ckpt
[ -f "$detector" ] || $cervai detector train --config configs/demo/detector.toml

step "train the graders (cross-validated, then on all training patients)"
grader=demo/models/grader/grader.safetensors
[ -f "$grader" ] || $cervai classifier train --config configs/demo/classifier.toml \
  --images demo/train --crops demo/crops --out demo/models/grader

step "run detect → crop → grade → report on the held-out patients"
status=0
$cervai run --data demo/heldout --out demo/run --detector "$detector" --grader "$grader" || status=$?
# Exit status 1 means some patients failed (listed in demo/run/errors.json);
# the others are still scored below. Anything else is a real error.
[ "$status" -le 1 ] || exit "$status"

step "official score of the held-out predictions"
$cervai evaluate --labels demo/heldout/train.json --pred demo/run/predictions.json
echo
echo "report: demo/run/report/index.html"
exit "$status"
