#!/usr/bin/env bash
# Sets up kgpert on Debian 12 (idempotent): system packages, OpenBLAS (pthread) as the BLAS,
# the Python venv at .venv for Snakemake and plots, and the build in build/.
#
#   bash scripts/setup.sh [--no-build] [--target T]...
#     --no-build   packages and venv only
#     --target T   ninja target to build (repeatable; default: kgpert; "all" builds everything)
# Environment: KGPERT_JOBS (build jobs, default nproc), KGPERT_BUILD_DIR (default build).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

build=1
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) build=0 ;;
    --target) targets+=("$2"); shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option \"$1\"" >&2; exit 2 ;;
  esac
  shift
done
[[ ${#targets[@]} -gt 0 ]] || targets=(kgpert)

say() { printf '[setup] %s\n' "$*"; }

# ---- system packages ----------------------------------------------------------------------
APT_PACKAGES=(
  build-essential cmake ninja-build ccache git pkg-config
  libtorch-dev libopenblas0-pthread libopenblas-pthread-dev
  libopenmpi-dev openmpi-bin libhdf5-dev libyaml-cpp-dev
  librdkit-dev libboost-dev libinchi-dev libmetis-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libxxhash-dev zlib1g-dev python3 python3-venv graphviz
  procps  # pgrep/ps in the test scripts (not in a minimal Debian)
  clang-14 libclang-rt-14-dev libomp-14-dev  # the fuzz build (scripts/fuzz.sh): libFuzzer, sanitizers, clang's OpenMP
  slurm-wlm munge libpmix-dev  # the one-node SLURM test cluster (scripts/slurm_cluster.sh)
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
PY_REQUIREMENTS="snakemake>=9,<10
snakemake-executor-plugin-slurm
h5py
matplotlib
numpy
pandas"
VENV="$ROOT/.venv"
stamp="$VENV/.kgpert-requirements"
want_hash="$(printf '%s\n' "$PY_REQUIREMENTS" | sha256sum | cut -d' ' -f1)"
if [[ ! -x $VENV/bin/python ]]; then
  say "creating $VENV"
  /usr/bin/python3 -m venv "$VENV"
fi
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want_hash" ]]; then
  say "installing Python packages into $VENV"
  req="$(mktemp)"
  trap 'rm -f "$req"' EXIT
  printf '%s\n' "$PY_REQUIREMENTS" >"$req"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$req"
  printf '%s\n' "$want_hash" >"$stamp"
else
  say "Python packages present"
fi

# ---- build ----------------------------------------------------------------------------------
if [[ $build -eq 1 ]]; then
  BUILD="${KGPERT_BUILD_DIR:-build}"
  jobs="${KGPERT_JOBS:-$(nproc)}"
  if [[ ! -f $BUILD/build.ninja ]]; then
    say "configuring $BUILD"
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  for t in "${targets[@]}"; do
    say "building $t ($jobs jobs)"
    ninja -C "$BUILD" -j "$jobs" "$t"
  done
fi
say "done"
