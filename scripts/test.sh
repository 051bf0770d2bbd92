#!/usr/bin/env bash
# Runs the whole test suite: set-up (fast when done), then every test of
# the workspace. Tests that need ../shared say so and skip where it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo test --workspace --no-fail-fast "$@"
