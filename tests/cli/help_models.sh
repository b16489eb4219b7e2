#!/usr/bin/env bash
# `kgpert help models --json`, the registries the workflow reads (workflow/scripts/sweep.py):
# it parses, agrees with the text help and with what kgpert accepts; names outside it are
# refused naming the key; a binary without it (older) gets a message that says to rebuild.
#   tests/cli/help_models.sh [KGPERT]     (default: $KGPERT, else build/kgpert)
set -euo pipefail
source "$(dirname "$0")/../pipeline/lib.sh"  # ROOT, VENV, fail, cli_test_setup
cli_test_setup "${1:-}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$KGPERT" help models --json >"$tmp/reg.json"
"$KGPERT" help models >"$tmp/reg.txt"
"$PY" - "$tmp/reg.json" "$tmp/reg.txt" <<'PYEOF'
import json, sys
reg = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read().split("\n\n")
models, ablations = reg["models"], reg["ablations"]
names = [m["name"] for m in models]
assert names and len(set(names)) == len(names), names
for m in models:
    assert set(m) == {"name", "closed_form", "reads", "summary"}, m
    assert isinstance(m["closed_form"], bool) and m["summary"], m
    assert ("train." in m["reads"]) == (not m["closed_form"]), m
assert any(m["closed_form"] for m in models) and not all(m["closed_form"] for m in models)
assert [a["name"] for a in ablations][0] == "none", ablations
# The text help lists the same names, in the same order, and the same kind.
rows = [line.split() for line in text[0].splitlines()[1:]]
assert [r[0] for r in rows] == names, (rows, names)
assert [r[1] == "closed-form" for r in rows] == [m["closed_form"] for m in models]
assert [line.split()[0] for line in text[1].splitlines()[1:]] == [a["name"] for a in ablations]
PYEOF
echo "ok: help models --json parses and matches the text help"

# kgpert accepts each registered name and refuses others, naming the key and the names.
names="$("$PY" -c 'import json,sys; print(", ".join(m["name"] for m in json.load(open(sys.argv[1]))["models"]))' "$tmp/reg.json")"
out="$("$KGPERT" train --set model=transformer 2>&1)" && fail "model=transformer accepted"
expect_eq "refused model" "$out" "kgpert train: config: key \"model\": \"transformer\" is not one of $names"
printf 'model: transformer\n' >"$tmp/bad.yaml"
out="$("$KGPERT" train --config "$tmp/bad.yaml" 2>&1)" && fail "a config with model: transformer accepted"
grep -qF "kgpert train: config \"$tmp/bad.yaml\": key \"model\": \"transformer\" is not one of" <<<"$out" ||
  fail "the config file is not named: $out"
out="$("$KGPERT" split --set 'sweep.ablations=[none, shuffle]' 2>&1)" && fail "sweep.ablations=[none, shuffle] accepted"
grep -q 'key "sweep.ablations": "shuffle" is not one of none, ' <<<"$out" || fail "unexpected: $out"
out="$("$KGPERT" help config --json 2>&1)" && fail "help config --json accepted"
echo "ok: names outside the registry refused"

# The workflow's reader: a missing binary, and one that predates `help models`.
printf '#!/bin/sh\necho "kgpert help: no command or topic \\"models\\"" >&2\nexit 1\n' >"$tmp/old"
chmod +x "$tmp/old"
"$PY" - "$ROOT/workflow/scripts" "$tmp/old" "$tmp/absent" "$KGPERT" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
import sweep
for path, want in ((sys.argv[2], "predates the model registry; rebuild it"), (sys.argv[3], "kgpert not found at")):
    try:
        sweep.read_registry(path)
        raise SystemExit(f"{path}: no error")
    except RuntimeError as e:
        assert want in str(e), str(e)
assert sweep.read_registry(sys.argv[4])["models"]
PYEOF
echo "ok: a missing or older kgpert is named, with what to do"
