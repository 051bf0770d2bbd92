#!/usr/bin/env bash
# CPU speed benchmark of Ultralytics YOLOv8n (random init, 6 classes, 224 px),
# to compare with `cervai detector bench`. Creates a Python virtual
# environment with pinned torch/ultralytics on first use (several GB: the
# PyPI torch wheel pulls NVIDIA CUDA wheels; only the CPU is used), then runs
# benches/yolov8n.py with this script's arguments, e.g.
#
#   scripts/bench-yolov8n.sh --threads 2 --batches 1,16 --iters 50
#   scripts/bench-yolov8n.sh --help
#
# The venv lives in $CERVAI_CACHE (default ~/.cache/cervai)/yolov8n-venv; a
# marker file there records the installed pin set, so later runs skip pip.
# Nothing is fetched at run time (no weights: the model is built from its
# architecture YAML shipped in the ultralytics package).
set -euo pipefail

TORCH_VERSION=2.13.0
TORCHVISION_VERSION=0.28.0
ULTRALYTICS_VERSION=8.4.190
PINS=("torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION" "ultralytics==$ULTRALYTICS_VERSION")

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${CERVAI_CACHE:-$HOME/.cache/cervai}
VENV="$CACHE/yolov8n-venv"
MARKER="$VENV/.cervai-pins"

log() { printf 'bench-yolov8n: %s\n' "$*" >&2; }

# --- the virtual environment, with the system python3
if [ ! -x "$VENV/bin/python" ]; then
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    log "python3 lacks venv/ensurepip: installing python3-venv from Debian"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
  fi
  log "creating virtual environment $VENV with $(python3 --version 2>&1)"
  mkdir -p "$CACHE"
  rm -f "$MARKER"
  python3 -m venv "$VENV"
fi

# --- the pinned packages, unless the marker says they are in
if [ "$(cat "$MARKER" 2>/dev/null || true)" != "${PINS[*]}" ]; then
  log "installing ${PINS[*]} (several GB with torch's CUDA dependencies)"
  start=$(date +%s)
  "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off "${PINS[@]}"
  printf '%s\n' "${PINS[*]}" >"$MARKER"
  log "installed in $(($(date +%s) - start)) s; venv size $(du -sh "$VENV" | cut -f1)"
else
  log "using $VENV (${PINS[*]})"
fi

# --- keep ultralytics offline and its settings file inside the cache
export YOLO_OFFLINE=1
export YOLO_CONFIG_DIR="$CACHE/yolov8n-config"
mkdir -p "$YOLO_CONFIG_DIR"

log "running benches/yolov8n.py $*"
exec "$VENV/bin/python" "$ROOT/benches/yolov8n.py" "$@"
