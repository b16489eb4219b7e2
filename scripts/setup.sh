#!/usr/bin/env bash
# Sets up kgpert on Debian 12 (idempotent): system packages, OpenBLAS (pthread) as the BLAS,
# the Python venv at .venv for Snakemake and plots (the versions of workflow/envs/venv.lock.txt),
# and the build in build/ — against Debian's LibTorch (1.13, CPU), or against the LibTorch of the
# torch wheel from PyPI (2.x with CUDA, for GPU runs: the wheel in the venv .venv-torch, the
# build in build-wheel/).
#
#   bash scripts/setup.sh [--no-build] [--torch debian|wheel] [--target T]...
#     --no-build   packages and venvs only
#     --torch L    the LibTorch to build against: debian (default) or wheel
#     --target T   ninja target to build (repeatable; default: kgpert; "all" builds everything)
# Environment: KGPERT_TORCH (debian|wheel, as --torch; the option wins), KGPERT_JOBS (build jobs,
# default nproc), KGPERT_BUILD_DIR (Debian's build, default build), KGPERT_WHEEL_BUILD_DIR (the
# wheel's, default build-wheel), KGPERT_TORCH_SPEC (pip requirement, default torch==2.15.0),
# KGPERT_TORCH_WHEELS (a directory of wheels tried before PyPI, default
# /var/cache/kgpert-torch-wheels where it exists).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

build=1
targets=()
torch="${KGPERT_TORCH:-debian}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) build=0 ;;
    --torch) torch="$2"; shift ;;
    --target) targets+=("$2"); shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option \"$1\"" >&2; exit 2 ;;
  esac
  shift
done
[[ ${#targets[@]} -gt 0 ]] || targets=(kgpert)
case "$torch" in
  debian|wheel) ;;
  *) echo "setup.sh: --torch (or KGPERT_TORCH) \"$torch\": expected debian or wheel" >&2; exit 2 ;;
esac

say() { printf '[setup] %s\n' "$*"; }

# ---- system packages ----------------------------------------------------------------------
APT_PACKAGES=(
  build-essential cmake ninja-build ccache git pkg-config
  libtorch-dev libopenblas0-pthread libopenblas-pthread-dev
  libopenmpi-dev openmpi-bin libhdf5-dev libyaml-cpp-dev
  librdkit-dev libboost-dev libinchi-dev libmetis-dev libcli11-dev libfmt-dev
  libgtest-dev libxxhash-dev zlib1g-dev python3 python3-venv graphviz
  procps  # pgrep/ps in the test scripts (not in a minimal Debian)
  clang-14 libclang-rt-14-dev libomp-14-dev  # the fuzz build (scripts/fuzz.sh): libFuzzer, sanitizers, clang's OpenMP
  slurm-wlm munge libpmix-dev  # the one-node SLURM test cluster (scripts/slurm_cluster.sh)
  chromium  # headless, opens the workflow's HTML report in its test (workflow.html_report)
)

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "setup.sh: need root (or sudo) to run: $*" >&2; exit 1
  fi
}

missing=()
for p in "${APT_PACKAGES[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  say "installing: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "system packages present"
fi

# LibTorch links libblas.so.3 / liblapack.so.3 (and libopenblas.so.0) through Debian's
# alternatives; the reference BLAS there is ~10x slower, so pin OpenBLAS (pthread).
OB=/usr/lib/x86_64-linux-gnu/openblas-pthread
for alt in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  name="$alt-x86_64-linux-gnu"
  want="$OB/$alt"
  [[ -e $want ]] || continue
  cur="$(update-alternatives --query "$name" 2>/dev/null | sed -n 's/^Value: //p')"
  if [[ $cur != "$want" ]]; then
    say "selecting $want for $name"
    as_root update-alternatives --set "$name" "$want"
  fi
done

# ---- Python venv (Snakemake, plots) -------------------------------------------------------
# Exactly the versions of the lock (scripts/lock_env.sh makes it from workflow/envs/venv.in),
# every file checked against its sha256. The stamp is the lock's hash: a venv of another lock (or
# of the unpinned requirements before the lock) is made again from nothing, so that no package
# outside the lock stays in it; the stamp is written last, so an interrupted install starts over.
LOCK="$ROOT/workflow/envs/venv.lock.txt"
VENV="$ROOT/.venv"
stamp="$VENV/.kgpert-lock"
want_hash="$(sha256sum "$LOCK" | cut -d' ' -f1)"
if [[ -x $VENV/bin/python && -f $stamp && "$(cat "$stamp")" == "$want_hash" ]]; then
  say "Python packages present (as locked)"
else
  if [[ -e $VENV ]]; then
    say "$VENV was not made from this lock: making it again"
    rm -rf "$VENV"
  fi
  say "creating $VENV"
  /usr/bin/python3 -m venv "$VENV"
  say "installing the locked Python packages into $VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --require-hashes --no-deps -r "$LOCK"
  /usr/bin/python3 "$ROOT/scripts/check_venv.py" "$VENV" "$LOCK" >/dev/null
  printf '%s\n' "$want_hash" >"$stamp"
fi

# ---- the torch wheel (--torch wheel) --------------------------------------------------------
# Its own venv, not .venv: ~5 GB with its CUDA libraries, which the default set-up never fetches.
# Wheels in KGPERT_TORCH_WHEELS are used without asking PyPI (a machine that keeps them there
# downloads nothing); PyPI otherwise. The wheel is never part of the repository (.gitignore).
if [[ $torch == wheel ]]; then
  TVENV="$ROOT/.venv-torch"
  TSPEC="${KGPERT_TORCH_SPEC:-torch==2.15.0}"
  WHEELS="${KGPERT_TORCH_WHEELS:-/var/cache/kgpert-torch-wheels}"
  tstamp="$TVENV/.kgpert-torch"
  if [[ ! -x $TVENV/bin/python ]]; then
    say "creating $TVENV"
    /usr/bin/python3 -m venv "$TVENV"
  fi
  if [[ ! -f $tstamp || "$(cat "$tstamp")" != "$TSPEC" ]]; then
    pip=("$TVENV/bin/pip" install -q --disable-pip-version-check)
    if [[ -d $WHEELS ]] && say "installing $TSPEC into $TVENV from $WHEELS" &&
       "${pip[@]}" --no-index --find-links "$WHEELS" "$TSPEC"; then :
    else
      say "installing $TSPEC into $TVENV from PyPI (~3 GB to download)"
      "${pip[@]}" "$TSPEC"
    fi
    printf '%s\n' "$TSPEC" >"$tstamp"
  else
    say "$TSPEC present in $TVENV"
  fi
  # The torch package directory (its share/cmake holds TorchConfig.cmake, its lib/ the libraries;
  # torch.utils.cmake_prefix_path is its share/cmake).
  TORCH_DIR="$("$TVENV/bin/python" -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null)" ||
    { echo "setup.sh: cannot import torch from $TVENV/bin/python" >&2; exit 1; }
fi

# ---- build ----------------------------------------------------------------------------------
if [[ $build -eq 1 ]]; then
  jobs="${KGPERT_JOBS:-$(nproc)}"
  config=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
  if [[ $torch == wheel ]]; then
    BUILD="${KGPERT_WHEEL_BUILD_DIR:-build-wheel}"
    # C++20, the CUDA architectures (TORCH_CUDA_ARCH_LIST) and ccache come from CMakeLists.txt.
    config+=(-DCMAKE_PREFIX_PATH="$TORCH_DIR")
    # A build directory configured for another LibTorch (another venv, or Debian's) starts over:
    # the libraries found are cached.
    want="Torch_DIR:PATH=$TORCH_DIR/share/cmake/Torch"
    if [[ -f $BUILD/CMakeCache.txt ]] && ! grep -qxF "$want" "$BUILD/CMakeCache.txt"; then
      say "$BUILD was configured for another LibTorch: configuring it again"
      rm -f "$BUILD/CMakeCache.txt" "$BUILD/build.ninja"
    fi
  else
    BUILD="${KGPERT_BUILD_DIR:-build}"
  fi
  if [[ ! -f $BUILD/build.ninja ]]; then
    say "configuring $BUILD ($torch LibTorch)"
    cmake -S . -B "$BUILD" -G Ninja "${config[@]}" >/dev/null
  fi
  for t in "${targets[@]}"; do
    say "building $t in $BUILD ($jobs jobs)"
    ninja -C "$BUILD" -j "$jobs" "$t"
  done
fi
say "done"
