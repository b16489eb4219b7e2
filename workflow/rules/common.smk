# Shared set-up of the workflow: the config (defaults, validation), the kgpert binary, the
# results layout, the sweep, and the `--set` arguments each stage gets.
import json
import os
import shlex
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

min_version("9.0")

REPO = Path(workflow.basedir)
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


configfile: str(REPO / "configs" / "default.yaml")


def nest_dotted(cfg):
    """Turns top-level `a.b: v` entries into `a: {b: v}`, as kgpert itself accepts them."""
    for key in [k for k in cfg if "." in k]:
        head, _, rest = key.partition(".")
        cfg.setdefault(head, {})
        if not isinstance(cfg[head], dict):
            raise WorkflowError(f'config: key "{key}" clashes with key "{head}"')
        cfg[head][rest] = cfg.pop(key)
        nest_dotted(cfg[head])


def coerce_types(cfg, schema):
    """`--config 'gat={heads: 8}'` yields strings; give them the types the schema asks for."""
    props = schema.get("properties", {})
    for key, value in list(cfg.items()):
        sub = props.get(key)
        if sub is None:
            continue
        kind = sub.get("type")
        if kind == "object" and isinstance(value, dict):
            coerce_types(value, sub)
        elif kind == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
            cfg[key] = str(value)  # --config dataset=2024 arrives as an int
        elif kind in ("integer", "number") and isinstance(value, str):
            cfg[key] = _parse_scalar(value)
        elif kind == "array" and isinstance(value, (str, list)):
            items = yaml.safe_load(value) if isinstance(value, str) else value
            if isinstance(items, list) and sub["items"].get("type") != "string":
                items = [_parse_scalar(x) if isinstance(x, str) else x for x in items]
            cfg[key] = items


def _parse_scalar(text):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


nest_dotted(config)
with open(SCHEMA) as fh:
    coerce_types(config, yaml.safe_load(fh))
validate(config, str(SCHEMA))

# kgpert: $KGPERT, else the build in the repository; shell commands call "$KGPERT".
os.environ.setdefault("KGPERT", str(REPO / "build" / "kgpert"))

# The config file handed to every stage (`--config "$KGPERT_CONFIG"`): the last --configfile
# given, else the default. Each stage also gets, as --set params, every key that affects it, so
# kgpert sees the merged Snakemake config (files + --config) for those keys, and a job re-runs
# when they change, not when only the file's name does.
_cfgfiles = list(workflow.overwrite_configfiles) or [REPO / "configs" / "default.yaml"]
CONFIG_FILE = str(Path(_cfgfiles[-1]).absolute())
if Path(CONFIG_FILE).is_relative_to(Path.cwd()):
    CONFIG_FILE = os.path.relpath(CONFIG_FILE)
os.environ.update(KGPERT_CONFIG=CONFIG_FILE)

RESULTS = f"results/{config['dataset']}"
RAW = f"{RESULTS}/raw"
LOGS = f"{RESULTS}/logs"
RUN_DIR = f"{RESULTS}/runs/model~{{model}}/ablation~{{ablation}}/split~{{split}}/seed~{{seed}}"

# Synth output file per inputs.* key (the real LINCS / PrimeKG formats).
RAW_FILES = {
    "kg_csv": "kg.csv",
    "gctx": "signatures.gctx",
    "sig_info": "sig_info.txt",
    "gene_info": "gene_info.txt",
    "cell_info": "cell_info.txt",
    "pert_info": "pert_info.txt",
    "drugbank_vocab": "drugbank_vocabulary.csv",
    "controls_gctx": "controls.gctx",
}
SYNTHETIC = not config["inputs"]["kg_csv"]


def ingest_inputs():
    """inputs.* (without gene_table) as ingest sees them: raw/ when synthesised, else the config."""
    if SYNTHETIC:
        return {k: f"{RAW}/{name}" for k, name in RAW_FILES.items()}
    return {k: config["inputs"][k] for k in RAW_FILES}


def sweep_points():
    """(model, ablation, split, seed) of every train job; ablations only for ablation_models;
    closed-form baselines (no randomness: the same fit for every seed) only with the first seed."""
    sw = config["sweep"]
    points = []
    for model in dict.fromkeys(sw["models"]):
        ablations = sw["ablations"] if model in sw["ablation_models"] else ["none"]
        seeds = list(dict.fromkeys(sw["seeds"]))
        if model in CLOSED_FORM and all(a == "none" for a in ablations):
            seeds = seeds[:1]
        for ablation in dict.fromkeys(ablations):
            for split in dict.fromkeys(sw["splits"]):
                for seed in seeds:
                    points.append((model, ablation, split, seed))
    return points


def sweep_runs():
    return [
        f"{RESULTS}/runs/model~{m}/ablation~{a}/split~{s}/seed~{n}/run.h5"
        for m, a, s, n in sweep_points()
    ]


# ---- --set arguments ------------------------------------------------------------------------
def _flat(cfg, prefix=""):
    for key, value in cfg.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flat(value, f"{name}.")
        else:
            yield name, value


FLAT = dict(_flat(config))


def _yaml_text(value):
    """A value as kgpert's --set parses it (YAML): plain where unambiguous, else quoted."""
    if isinstance(value, str):
        plain = value != "" and yaml.safe_load(value) == value and ": " not in value
        return value if plain else json.dumps(value)
    if isinstance(value, float):
        return repr(value)
    return json.dumps(value)  # int, list (flow style)


def set_args(prefixes=(), exclude=(), **fixed):
    """`--set key=value` for every config key under `prefixes` (a section like "gat." or an
    exact key), less `exclude`, plus `fixed` (dots written as "__"). Sorted, shell-quoted."""
    chosen = {
        k: v
        for k, v in FLAT.items()
        if any(k == p or (p.endswith(".") and k.startswith(p)) for p in prefixes)
        and k not in exclude
    }
    chosen.update({k.replace("__", "."): v for k, v in fixed.items()})
    return " ".join(
        f"--set {shlex.quote(f'{k}={_yaml_text(v)}')}" for k, v in sorted(chosen.items())
    )


def ingest_sets():
    files = {f"inputs__{k}": v for k, v in ingest_inputs().items()}
    return set_args(("dataset", "ingest."), **files)


# The config keys each model reads besides train.* (closed-form baselines read no train.*).
MODEL_KEYS = {
    "gat": ("gat.",),
    "mlp": ("mlp.",),
    "cell_mlp": ("mlp.",),
    "cell_mean": (),
    "knn": ("baseline.knn_k",),
    "ridge": ("baseline.ridge_alpha",),
}
CLOSED_FORM = {"cell_mean", "knn", "ridge"}

# Multi-rank train jobs (dist.ranks > 1): the gradient-trained models run under dist.launcher
# (rule train_mpi), each rank with the signatures of its METIS part.
RANKS = config["dist"]["ranks"]
if RANKS > 1 and config["partition"]["parts"] != RANKS:
    raise WorkflowError(
        f"dist.ranks={RANKS} shares each train job's signatures by the partition, which then needs "
        f"partition.parts={RANKS} (it is {config['partition']['parts']}): set both"
    )


def train_sets(wildcards):
    """A train job depends only on the keys its model reads (so changing gat.heads reruns only
    the GAT jobs); split.kind must match the split file (kgpert checks it)."""
    prefixes = ("dataset",) + MODEL_KEYS[wildcards.model]
    if wildcards.model not in CLOSED_FORM:
        prefixes += ("train.",)
    return set_args(
        prefixes,
        exclude=("train.seed",),
        model=wildcards.model,
        ablation=wildcards.ablation,
        split__kind=wildcards.split,
        train__seed=int(wildcards.seed),
    )


def check_binary():
    kgpert = os.environ.get("KGPERT", "")
    if not os.access(kgpert, os.X_OK):
        raise WorkflowError(
            f'kgpert not found at "{kgpert}": build it with `bash scripts/setup.sh` or set $KGPERT'
        )


wildcard_constraints:
    model="gat|mlp|cell_mean|cell_mlp|knn|ridge",
    ablation="none|edge_shuffle|feature_random|no_kg|drug_shuffle",
    split="random|scaffold|cold_cell|cold_drug",
    seed=r"\d+",


onstart:
    check_binary()
