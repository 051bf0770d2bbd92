#!/usr/bin/env bash
# Installs what cervai needs on a fresh Debian 12 machine and prints the
# environment to build it with. Idempotent: a second run only checks.
#
#   scripts/setup.sh           CPU libtorch (default)
#   scripts/setup.sh --cuda    full CUDA libtorch from the torch wheel's deps
#
# Large downloads live in $CERVAI_CACHE (default ~/.cache/cervai), outside
# the clone, so later clones and CI runs reuse them.
set -euo pipefail

TORCH_VERSION=2.13.0
CUDA_RT_SPEC='nvidia-cuda-runtime>=13.0,<13.1'
CUPTI_SPEC='nvidia-cuda-cupti>=13.0,<13.1'
CACHE=${CERVAI_CACHE:-$HOME/.cache/cervai}
VARIANT=cpu
[ "${1:-}" = "--cuda" ] && VARIANT=cuda

log() { printf 'setup: %s\n' "$*" >&2; }

# --- system packages: OpenCV from Debian, clang for the opencv binding generator,
# DejaVu Sans for chart text (plotters' ab_glyph backend loads it at run time);
# chromium only with CERVAI_BROWSER_TESTS=1 (the report's headless-browser
# test; it skips, saying so, without it).
apt_pkgs=(libopencv-dev clang libclang-dev pkg-config fonts-dejavu-core)
[ "${CERVAI_BROWSER_TESTS:-0}" = 1 ] && apt_pkgs+=(chromium)
need_apt=()
for pkg in "${apt_pkgs[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]} from Debian"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${need_apt[@]}" >/dev/null
fi

# --- libtorch from the PyPI wheel
LIBTORCH="$CACHE/libtorch-$TORCH_VERSION-$VARIANT"
if [ ! -f "$LIBTORCH/.complete" ]; then
  mkdir -p "$CACHE/wheels"
  if [ "$VARIANT" = cpu ]; then
    log "fetching torch==$TORCH_VERSION wheel and the two CUDA runtime libraries"
    python3 -m pip download -q --no-deps -d "$CACHE/wheels" \
      "torch==$TORCH_VERSION" "$CUDA_RT_SPEC" "$CUPTI_SPEC"
  else
    log "fetching torch==$TORCH_VERSION with its full CUDA dependencies"
    python3 -m pip download -q -d "$CACHE/wheels" "torch==$TORCH_VERSION"
  fi
  tmp="$LIBTORCH.partial"
  rm -rf "$tmp"; mkdir -p "$tmp/lib"
  python3 - "$CACHE/wheels" "$tmp" "$VARIANT" "$TORCH_VERSION" <<'PY'
import pathlib, shutil, sys, zipfile
wheels, out, variant, version = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4]
lib = out / "lib"
torch = [w for w in wheels.glob(f"torch-{version}-*.whl")]
if not torch:
    sys.exit(f"no torch-{version} wheel in {wheels}")
cpu_libs = {"libtorch_cpu.so", "libc10.so", "libtorch_global_deps.so"}
with zipfile.ZipFile(torch[0]) as z:
    for name in z.namelist():
        if name.startswith("torch/include/"):
            dest = out / name[len("torch/"):]
        elif name.startswith("torch/lib/"):
            base = name.rsplit("/", 1)[-1]
            if variant == "cpu" and base not in cpu_libs and not base.startswith("libgomp"):
                continue
            dest = lib / base
        else:
            continue
        if name.endswith("/"):
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        with z.open(name) as src, open(dest, "wb") as dst:
            shutil.copyfileobj(src, dst)
# NVIDIA runtime libraries (CPU variant needs only cudart and cupti;
# CUDA variant takes every nvidia-* wheel that pip brought).
for whl in wheels.glob("nvidia_*.whl"):
    with zipfile.ZipFile(whl) as z:
        for name in z.namelist():
            base = name.rsplit("/", 1)[-1]
            if "/lib/" in name and ".so" in base:
                if variant == "cpu" and not (base.startswith("libcudart.so") or base.startswith("libcupti.so")):
                    continue
                with z.open(name) as src, open(lib / base, "wb") as dst:
                    shutil.copyfileobj(src, dst)
PY
  if [ "$VARIANT" = cpu ]; then
    # libtorch.so of the wheel pulls in libtorch_cuda.so; stand in a shim that
    # only links libtorch_cpu.so so the CUDA stack is never needed.
    echo 'void cervai_libtorch_cpu_shim(void) {}' > "$tmp/shim.c"
    gcc -shared -fPIC -o "$tmp/lib/libtorch.so" "$tmp/shim.c" \
      -L"$tmp/lib" -Wl,--no-as-needed -ltorch_cpu -lc10 -Wl,-rpath,'$ORIGIN'
    rm "$tmp/shim.c"
  fi
  touch "$tmp/.complete"
  rm -rf "$LIBTORCH"; mv "$tmp" "$LIBTORCH"
  log "libtorch ready in $LIBTORCH"
fi

# --- environment for cargo (sourced by scripts/env.sh)
cat > "$CACHE/env-$VARIANT.sh" <<ENV
export LIBTORCH="$LIBTORCH"
export LIBTORCH_BYPASS_VERSION_CHECK=1
export LD_LIBRARY_PATH="$LIBTORCH/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
ENV
echo "$CACHE/env-$VARIANT.sh"
