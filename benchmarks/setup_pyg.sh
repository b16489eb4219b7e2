#!/usr/bin/env bash
# Sets up (idempotently) the Python venv with PyTorch Geometric 2.4 used by the GAT layer benchmark
# (benchmarks/pyg_gatconv.py, benchmarks/gat_layer.sh) and by tests/reference/gatconv_reference.py:
# Debian's python3-torch (1.13) and numpy, seen through --system-site-packages, plus
# torch_geometric==2.4.0 from PyPI as pure Python (no torch_scatter / torch_sparse / pyg-lib).
# h5py comes from Debian (python3-h5py) where apt can be used, else from PyPI into the venv.
#
#   bash benchmarks/setup_pyg.sh
# Environment: PYG_VENV (default: <repo>/.venv-pyg). Prints the versions it ends with.
# Then e.g.: .venv-pyg/bin/python benchmarks/pyg_gatconv.py --random 1000 10000
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${PYG_VENV:-$ROOT/.venv-pyg}"
PYG_VERSION=2.4.0
say() { printf '[setup_pyg] %s\n' "$*"; }

can_apt() { [[ $(id -u) -eq 0 ]] || command -v sudo >/dev/null; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]; }

# ---- Debian packages ---------------------------------------------------------------------------
need=(python3 python3-venv python3-torch python3-numpy)
want_h5py_apt=0
if ! installed python3-h5py && can_apt; then need+=(python3-h5py); want_h5py_apt=1; fi
missing=()
for p in "${need[@]}"; do installed "$p" || missing+=("$p"); done
if [[ ${#missing[@]} -gt 0 ]]; then
  can_apt || { echo "setup_pyg.sh: need root (or sudo) to apt-get install: ${missing[*]}" >&2; exit 1; }
  say "apt-get installing: ${missing[*]}"
  as_root apt-get update -qq
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    # python3-h5py is optional (pip can provide it); the rest is not.
    if ((want_h5py_apt)); then
      say "apt-get failed; retrying without python3-h5py (pip will install h5py)"
      rest=(); for p in "${missing[@]}"; do [[ $p == python3-h5py ]] || rest+=("$p"); done
      [[ ${#rest[@]} -eq 0 ]] || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${rest[@]}"
    else
      exit 1
    fi
  fi
else
  say "Debian packages present (${need[*]})"
fi

# ---- venv --------------------------------------------------------------------------------------
if [[ ! -x $VENV/bin/python ]]; then
  say "creating $VENV (--system-site-packages over /usr/bin/python3)"
  /usr/bin/python3 -m venv --system-site-packages "$VENV"
fi
PY="$VENV/bin/python"

# Already complete? (torch from Debian, torch_geometric at the pinned version, h5py importable.)
check='import torch, torch_geometric, h5py, numpy, sys
sys.exit(0 if torch_geometric.__version__ == sys.argv[1] else 1)'
if "$PY" -c "$check" "$PYG_VERSION" 2>/dev/null; then
  say "torch_geometric $PYG_VERSION present in $VENV"
else
  pkgs=("torch_geometric==$PYG_VERSION")
  "$PY" -c 'import h5py' 2>/dev/null || pkgs+=(h5py)
  # Keep Debian's numpy: torch 1.13 is built against it, and a numpy 2 from PyPI in the venv would
  # shadow it (and break torch). Debian's torch has no pip metadata PyG needs (PyG does not list
  # torch as a requirement), so nothing pulls a torch wheel in.
  cons="$(mktemp)"
  trap 'rm -f "$cons"' EXIT
  "$PY" -c 'import numpy; print("numpy==" + numpy.__version__)' >"$cons"
  say "pip installing into $VENV: ${pkgs[*]} (constraint: $(cat "$cons"))"
  "$PY" -m pip install -q --disable-pip-version-check -c "$cons" "${pkgs[@]}"
fi

# ---- verify ------------------------------------------------------------------------------------
"$PY" - <<'EOF'
import h5py, numpy, torch, torch_geometric
print(f"[setup_pyg] python {__import__('sys').version.split()[0]}  torch {torch.__version__} ({torch.__file__})")
print(f"[setup_pyg] torch_geometric {torch_geometric.__version__}  numpy {numpy.__version__}  h5py {h5py.__version__}")
from torch_geometric.nn import GATConv  # noqa: F401  (pure-Python path: no torch_scatter needed)
EOF
say "done: $PY"
