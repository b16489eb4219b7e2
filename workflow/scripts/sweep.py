"""The models and ablations kgpert registers, and the points of a sweep.

Pure functions (no Snakemake): the workflow (workflow/rules/common.smk) and the checks of its
outputs (tests/pipeline/check_report.py) import this file, so both expand a sweep the same way.
"""
import json
import subprocess


def read_registry(kgpert):
    """kgpert's registries of models and ablations (`kgpert help models --json`,
    src/model/registry.cpp, src/graph/ablation.cpp) as {"models": [{name, closed_form, reads,
    summary}], "ablations": [{name, summary}]}. RuntimeError saying what to do when the binary is
    missing or predates the registry."""
    try:
        done = subprocess.run([kgpert, "help", "models", "--json"], capture_output=True, text=True, timeout=120)
    except OSError as e:
        raise RuntimeError(f'kgpert not found at "{kgpert}" ({e.strerror}): build it with `bash scripts/setup.sh` or set $KGPERT')
    if done.returncode != 0:
        raise RuntimeError(
            f'kgpert at "{kgpert}" does not list its models (`kgpert help models --json` said: '
            f'{done.stderr.strip() or done.returncode}): it predates the model registry; rebuild it '
            "(bash scripts/setup.sh, or ninja -C build kgpert)"
        )
    try:
        reg = json.loads(done.stdout)
        names = [m["name"] for m in reg["models"]] + [a["name"] for a in reg["ablations"]]
    except (ValueError, KeyError, TypeError) as e:
        raise RuntimeError(f'kgpert at "{kgpert}": `kgpert help models --json` printed no registry ({e})')
    if not names:
        raise RuntimeError(f'kgpert at "{kgpert}": `kgpert help models --json` lists no models')
    return reg


def sweep_points(sweep, closed_form, variants):
    """(model, ablation, split, hp, seed) of every train job of the config section `sweep`:
    ablations only for sweep.ablation_models; each model crossed with `variants(model)` (the path
    segments of the sweep.grid values it reads, [""] without a grid); closed-form models (the set
    `closed_form`: no randomness, the same fit for every seed) only with the first seed unless
    an ablation (seeded) applies to them."""
    points = []
    for model in dict.fromkeys(sweep["models"]):
        ablations = sweep["ablations"] if model in sweep["ablation_models"] else ["none"]
        seeds = list(dict.fromkeys(sweep["seeds"]))
        if model in closed_form and all(a == "none" for a in ablations):
            seeds = seeds[:1]
        for ablation in dict.fromkeys(ablations):
            for split in dict.fromkeys(sweep["splits"]):
                for hp in variants(model):
                    for seed in seeds:
                        points.append((model, ablation, split, hp, seed))
    return points
