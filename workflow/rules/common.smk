# Shared set-up of the workflow: the config (defaults, validation), the kgpert binary, the
# results layout, the sweep, and the `--set` arguments each stage gets.
import itertools
import json
import os
import re
import shlex
import sys
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


MAX_CONFIG_BYTES = 1 << 20


def check_config_file(path):
    """kgpert's limits on a config (src/core/config.hpp): at most 1 MiB, and no YAML anchors or
    aliases (a "billion laughs" tree, which copying the config, as _parse_grid does, expands)."""
    if os.path.getsize(path) > MAX_CONFIG_BYTES:
        raise WorkflowError(f'config "{path}": larger than the {MAX_CONFIG_BYTES} bytes a config may have')
    with open(path) as fh:
        for event in yaml.parse(fh):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise WorkflowError(
                    f'config "{path}": line {event.start_mark.line + 1}: '
                    "YAML anchors and aliases are not allowed in a config"
                )


for _path in workflow.overwrite_configfiles:
    check_config_file(_path)
nest_dotted(config)
with open(SCHEMA) as fh:
    coerce_types(config, yaml.safe_load(fh))
validate(config, str(SCHEMA))

# kgpert: $KGPERT, else the build in the repository; shell commands call "$KGPERT".
os.environ.setdefault("KGPERT", str(REPO / "build" / "kgpert"))

# ---- models and ablations: kgpert's registries (src/model/registry.cpp, src/graph/ablation.cpp)
sys.path.insert(0, str(REPO / "workflow" / "scripts"))
import sweep  # noqa: E402



def check_binary():
    kgpert = os.environ.get("KGPERT", "")
    if not os.access(kgpert, os.X_OK):
        raise WorkflowError(
            f'kgpert not found at "{kgpert}": build it with `bash scripts/setup.sh` or set $KGPERT'
        )


# Read when the workflow is parsed (lint and dry runs too): kgpert must be built first.
check_binary()
try:
    REGISTRY = sweep.read_registry(os.environ.get("KGPERT", ""))
except RuntimeError as e:
    raise WorkflowError(str(e))
MODELS = [m["name"] for m in REGISTRY["models"]]
ABLATIONS = [a["name"] for a in REGISTRY["ablations"]]
# The config keys each model's train job reads (a section as "gat."; train.* for the
# gradient-trained models only).
MODEL_KEYS = {m["name"]: tuple(m["reads"]) for m in REGISTRY["models"]}
# Fitted once without gradients: the same fit for every seed (one seed), on the CPU, one process.
CLOSED_FORM = [m["name"] for m in REGISTRY["models"] if m["closed_form"]]
TRAINED = [m for m in MODELS if m not in CLOSED_FORM]


def check_names(cfg):
    """The config's model and ablation names are registered ones (the schema has no list)."""
    for key, value, names in (
        ("model", [cfg["model"]], MODELS),
        ("ablation", [cfg["ablation"]], ABLATIONS),
        ("sweep.models", cfg["sweep"]["models"], MODELS),
        ("sweep.ablations", cfg["sweep"]["ablations"], ABLATIONS),
        ("sweep.ablation_models", cfg["sweep"]["ablation_models"], MODELS),
    ):
        for v in value:
            if v not in names:
                raise WorkflowError(f'config: key "{key}": "{v}" is not one of {", ".join(names)}')


check_names(config)
# The Python running the workflow (the venv's, installed from workflow/envs/venv.lock.txt): the
# report rule records its version and packages in report.h5 ("$KGPERT_PYTHON").
os.environ.update(KGPERT_PYTHON=sys.executable)

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
# {hp}: the run's sweep.grid values, "key~value/" each (empty without a grid).
RUN_DIR = f"{RESULTS}/runs/model~{{model}}/ablation~{{ablation}}/split~{{split}}/{{hp}}seed~{{seed}}"

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
    """(model, ablation, split, hp, seed) of every train job (workflow/scripts/sweep.py, which
    tests/pipeline/check_report.py shares): hp the path segments of the sweep.grid values the
    model reads; closed-form models with the first seed only."""
    return sweep.sweep_points(config["sweep"], CLOSED_FORM, grid_variants)


def sweep_runs():
    """The run.h5 of every sweep point (sweep.search: grid)."""
    return [
        f"{RESULTS}/runs/model~{m}/ablation~{a}/split~{s}/{hp}seed~{n}/run.h5"
        for m, a, s, hp, n in sweep_points()
    ]


# ---- successive halving (sweep.search: halving) ---------------------------------------------
# The grid points of each (model, ablation, split) of a gradient-trained model race in rungs
# (workflow/scripts/halving.py): rung r of a point's seed is runs/.../seed~N/rung~r/run.h5,
# trained to RUNG_EPOCHS[r] epochs by rule train_rung, going on from rung r - 1's final.ckpt;
# after every rung the checkpoint rule halving_rung ranks the points (halving/.../rung~r.tsv)
# and only its survivors are asked for at rung r + 1. The closed-form baselines train once (rule
# train), as under sweep.search: grid.
import halving  # noqa: E402

HALVING = config["sweep"]["search"] == "halving"
RUNG_EPOCHS = halving.budgets(
    config["train"]["epochs"], config["sweep"]["halving"]["min_epochs"], config["sweep"]["halving"]["eta"]
)
RUNGS = len(RUNG_EPOCHS)
RUNG_TABLE = f"{RESULTS}/halving/model~{{model}}/ablation~{{ablation}}/split~{{split}}/rung~{{rung}}.tsv"


def halving_groups():
    """{(model, ablation, split): [seeds]} of the points that race (gradient-trained models)."""
    groups = {}
    for m, a, s, hp, n in sweep_points():
        if m not in CLOSED_FORM:
            groups.setdefault((m, a, s), [])
            if n not in groups[(m, a, s)]:
                groups[(m, a, s)].append(n)
    return groups


def rung_alive(model, ablation, split, rung):
    """The points (hp paths) that train at `rung`: every grid point at rung 0, then the
    survivors of the rung before (waits for its table: a Snakemake checkpoint)."""
    if rung == 0:
        return grid_variants(model)
    table = checkpoints.halving_rung.get(model=model, ablation=ablation, split=split, rung=str(rung - 1))
    return halving.survivors(table.output[0])


def rung_runs(model, ablation, split, rung, points):
    seeds = halving_groups()[(model, ablation, split)]
    return [
        f"{RESULTS}/runs/model~{model}/ablation~{ablation}/split~{split}/{hp}seed~{n}/rung~{rung}/run.h5"
        for hp in points
        for n in seeds
    ]


def halving_rung_inputs(wildcards):
    """The runs a rung's table ranks: every seed of every point alive at that rung."""
    r = int(wildcards.rung)
    return rung_runs(wildcards.model, wildcards.ablation, wildcards.split, r,
                     rung_alive(wildcards.model, wildcards.ablation, wildcards.split, r))


def rung_extra(wildcards, input, output):
    r = int(wildcards.rung)
    args = f"--stop-epoch {RUNG_EPOCHS[r]} --rung {r}/{RUNGS} --final-checkpoint {shlex.quote(output.ckpt)}"
    if r > 0:
        args += f" --resume-from {shlex.quote(input.prev)}"
    if RANKS > 1:
        args += f" --partition {shlex.quote(input.partition)}"
    return args


def rung_inputs(wildcards):
    files = {
        "graph": f"{RESULTS}/graph.h5",
        "samples": f"{RESULTS}/samples.h5",
        "split": f"{RESULTS}/splits/{wildcards.split}.h5",
    }
    if int(wildcards.rung) > 0:
        files["prev"] = f"{RESULTS}/runs/model~{wildcards.model}/ablation~{wildcards.ablation}/split~{wildcards.split}/{wildcards.hp}seed~{wildcards.seed}/rung~{int(wildcards.rung) - 1}/final.ckpt"
    if RANKS > 1:
        files["partition"] = f"{RESULTS}/partition.h5"
    return files


def halving_group_inputs(wildcards):
    """The run.h5 files of one racing (model, ablation, split) for the report: of each point,
    that of the last rung it reached (halved there, or finished at the last rung); and every
    rung's table. Rule halving_runs lists them; one group waiting for a rung table does not hold
    up the others (each group's input function waits on its own checkpoints)."""
    m, a, s = wildcards.model, wildcards.ablation, wildcards.split
    runs, tables = [], []
    alive = rung_alive(m, a, s, 0)
    for r in range(RUNGS):
        last = r == RUNGS - 1
        tables.append(RUNG_TABLE.format(model=m, ablation=a, split=s, rung=r))
        kept = alive if last else rung_alive(m, a, s, r + 1)
        runs += rung_runs(m, a, s, r, [hp for hp in alive if last or hp not in kept])
        alive = kept
    return {"runs": runs, "tables": tables}


HALVING_RUNS = f"{RESULTS}/halving/model~{{model}}/ablation~{{ablation}}/split~{{split}}/runs.txt"


def report_inputs():
    """The report's inputs: under grid search every sweep point's run.h5; under halving the
    closed-form baselines' run.h5 and, per racing group, the list of its runs (halving_runs)."""
    if not HALVING:
        return {"runs": sweep_runs(), "halved": []}
    return {
        "runs": [
            f"{RESULTS}/runs/model~{m}/ablation~{a}/split~{s}/{hp}seed~{n}/run.h5"
            for m, a, s, hp, n in sweep_points()
            if m in CLOSED_FORM
        ],
        "halved": [HALVING_RUNS.format(model=m, ablation=a, split=s) for (m, a, s) in halving_groups()],
    }
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


# Multi-rank train jobs (dist.ranks > 1): the gradient-trained models run under dist.launcher
# (rule train_mpi), each rank with the signatures of its METIS part.
RANKS = config["dist"]["ranks"]
if RANKS > 1 and config["partition"]["parts"] != RANKS:
    raise WorkflowError(
        f"dist.ranks={RANKS} shares each train job's signatures by the partition, which then needs "
        f"partition.parts={RANKS} (it is {config['partition']['parts']}): set both"
    )


def model_reads(model, key):
    """Whether the train job of `model` reads config key `key`."""
    prefixes = MODEL_KEYS[model]
    return any(key == p or (p.endswith(".") and key.startswith(p)) for p in prefixes)


def train_sets(wildcards):
    """A train job depends only on the keys its model reads (so changing gat.heads reruns only
    the GAT jobs), and its sweep.grid values; split.kind must match the split file (kgpert
    checks it)."""
    prefixes = ("dataset",) + MODEL_KEYS[wildcards.model]
    grid = {k.replace(".", "__"): v for k, v in grid_values(wildcards.hp).items()}
    return set_args(
        prefixes,
        exclude=("train.seed",),
        model=wildcards.model,
        ablation=wildcards.ablation,
        split__kind=wildcards.split,
        train__seed=int(wildcards.seed),
        **grid,
    )


def train_variant(wildcards):
    """`--variant` of a train job: its sweep.grid values as key=value (shell-quoted)."""
    # Lists without spaces (json), so that the pairs split at spaces; grid values that are
    # strings are path segments, spaceless too.
    text = lambda v: json.dumps(v, separators=(",", ":")) if isinstance(v, list) else _yaml_text(v)
    pairs = [f"{k}={text(v)}" for k, v in grid_values(wildcards.hp).items()]
    return shlex.quote(" ".join(pairs))


# ---- sweep.grid ------------------------------------------------------------------------------
def _path_value(value):
    """A grid value as it appears in a run's path: lists joined by "-", [] as "none"."""
    if isinstance(value, list):
        return "-".join(_path_value(v) for v in value) if value else "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse_grid():
    """sweep.grid as {key: [(path value, value)]}, each entry checked against the schema."""
    grid = {}
    for entry in config["sweep"]["grid"]:
        where = f'sweep.grid entry "{entry}"'
        try:
            parsed = yaml.safe_load(entry)
        except yaml.YAMLError as e:
            raise WorkflowError(f"{where}: not YAML ({e})")
        if not (isinstance(parsed, dict) and len(parsed) == 1):
            raise WorkflowError(f'{where}: expected "key: [value, ...]", e.g. "gat.heads: [2, 4]"')
        (key, values), = parsed.items()
        if key not in FLAT:
            raise WorkflowError(f"{where}: unknown config key {key}")
        if key == "train.seed":
            raise WorkflowError(f"{where}: seeds are sweep.seeds")
        if not any(model_reads(m, key) for m in MODEL_KEYS):
            raise WorkflowError(f"{where}: {key} is read by no train job (gat.*, mlp.*, train.*, baseline.*)")
        if key in grid:
            raise WorkflowError(f"{where}: {key} is in the grid twice")
        if not isinstance(values, list) or not values:
            raise WorkflowError(f"{where}: expected a non-empty list of values")
        pairs = []
        for v in values:
            trial = json.loads(json.dumps(config))  # deep copy
            node = trial
            *heads, last = key.split(".")
            for h in heads:
                node = node[h]
            node[last] = v
            try:
                validate(trial, str(SCHEMA))
            except WorkflowError as e:
                raise WorkflowError(f"{where}: {key}={v!r} is not a valid value ({e})")
            pv = _path_value(v)
            if not re.fullmatch(r"[A-Za-z0-9_.+-]+", pv):
                raise WorkflowError(f"{where}: {key}={v!r} cannot be a path segment")
            if pv in dict(pairs):
                raise WorkflowError(f"{where}: two values of {key} are both {pv} in a path")
            pairs.append((pv, v))
        grid[key] = pairs
    return grid


def grid_variants(model):
    """The path segments ("key~value/" per grid key that `model` reads) of every combination."""
    keys = [k for k in GRID if model_reads(model, k)]
    return [
        "".join(f"{k}~{pv}/" for k, (pv, _) in zip(keys, combo))
        for combo in itertools.product(*(GRID[k] for k in keys))
    ]


def grid_values(hp):
    """{key: value} of a run's path segments (hp wildcard)."""
    out = {}
    for segment in filter(None, hp.split("/")):
        key, _, pv = segment.partition("~")
        value = dict(GRID.get(key, [])).get(pv)
        if value is None:
            raise WorkflowError(f"run path segment {segment}: not a value of sweep.grid")
        out[key] = value
    return out


# ---- resources -------------------------------------------------------------------------------
def job_resources(rule, ranks=1):
    """What a job of `rule` asks for, from the config's resources.<rule> (resources.default for
    rules without a section): mem_mb (MB) and runtime (minutes); for train also `gpu`, the SLURM
    executor's GPU count (0 asks for none). A job of `ranks` MPI processes asks for ranks x mem_mb
    and ranks x gpu, one rank per GPU: the allocation one task per GPU (`tasks_per_gpu`, sbatch
    --ntasks-per-gpu=1), each rank one GPU of it (`gpus_per_task`: srun --gpus-per-task, added to
    an srun launcher by launch_prefix; the executor plugin has no such resource). Profiles'
    set-resources override these."""
    section = config["resources"].get(rule, config["resources"]["default"])
    res = {"mem_mb": section["mem_mb"] * ranks, "runtime": section["runtime"]}
    if "gpus" in section:
        gpus = section["gpus"] * ranks
        # The closed-form baselines (train jobs too) fit on the CPU.
        res["gpu"] = lambda wildcards: 0 if wildcards.model in CLOSED_FORM else gpus
        if gpus and ranks > 1:
            res["tasks_per_gpu"] = 1  # else the executor asks for --ntasks-per-gpu=<tasks>
            res["gpus_per_task"] = section["gpus"]
    return res


# What a multi-rank train job (rules train_mpi, train_rung_mpi: workflow/rules/train.smk) asks
# for, and the parts of the train rules' command that differ for it.
MPI_RESOURCES = {
    **job_resources("train", RANKS),
    "tasks": RANKS,
    "cpus_per_task": config["threads"],
    "mpi": config["dist"]["launcher"],
}


def _mpi_job(resources):
    return "mpi" in resources.keys()


def process_threads(wildcards, threads, resources):
    """Threads of each process: the job's, or cpus_per_task for each rank of a multi-rank job."""
    return resources.cpus_per_task if _mpi_job(resources) else threads


def launch_env(wildcards, threads, resources):
    """The environment the command exports: thread counts (and Open MPI's root consent)."""
    n = process_threads(wildcards, threads, resources)
    env = f"OMP_NUM_THREADS={n} OPENBLAS_NUM_THREADS={n}"
    return env + (" OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1" if _mpi_job(resources) else "")


def launch_prefix(wildcards, resources):
    """What starts kgpert: nothing, or the launcher of a multi-rank job with its rank count; srun
    also with the GPUs of each rank (gpus_per_task), so that each job step task gets its own."""
    if not _mpi_job(resources):
        return ""
    launcher = resources.mpi
    gpus = resources.get("gpus_per_task", 0)
    if gpus and shlex.split(launcher)[0] == "srun":
        launcher += f" --gpus-per-task={gpus}"
    return f"{launcher} -n {resources.tasks} "


def train_inputs(wildcards):
    """A train job's inputs; a multi-rank job's also the partition that shares the signatures."""
    files = {
        "graph": f"{RESULTS}/graph.h5",
        "samples": f"{RESULTS}/samples.h5",
        "split": f"{RESULTS}/splits/{wildcards.split}.h5",
    }
    if RANKS > 1 and wildcards.model not in CLOSED_FORM:
        files["partition"] = f"{RESULTS}/partition.h5"
    return files


def partition_arg(wildcards, input):
    return f"--partition {shlex.quote(input.partition)} " if "partition" in input.keys() else ""


GRID = _parse_grid()


# ---- the explained GAT run (workflow/rules/explain.smk) ----------------------------------
def explain_point():
    """(model, ablation, split, hp, seed) of the explained run, or None."""
    points = [p for p in sweep_points() if p[0] == "gat" and p[1] == "none"]
    if not points:
        return None
    order = {hp: i for i, hp in enumerate(grid_variants("gat"))}
    return min(points, key=lambda p: (p[2] != "scaffold", p[2], int(p[4]), order[p[3]]))


EXPLAIN = explain_point()
EXPLAIN_DIR = f"{RESULTS}/explain"


def explain_run(wildcards):
    """The explained run.h5: under sweep.search halving (a gradient-trained model racing) the
    last rung's run of the point ranked first there (waits for that rung's table), else the
    sweep point's run."""
    m, a, s, hp, seed = EXPLAIN
    if HALVING and m not in CLOSED_FORM:
        table = checkpoints.halving_rung.get(model=m, ablation=a, split=s, rung=str(RUNGS - 1))
        hp = halving.read_rung(table.output[0])[0][1]
        return f"{RESULTS}/runs/model~{m}/ablation~{a}/split~{s}/{hp}seed~{seed}/rung~{RUNGS - 1}/run.h5"
    return f"{RESULTS}/runs/model~{m}/ablation~{a}/split~{s}/{hp}seed~{seed}/run.h5"


def explain_outputs():
    """The explain rule's outputs that `all` asks for (none without a GAT run to explain)."""
    return [f"{EXPLAIN_DIR}/explain.png"] if EXPLAIN else []


wildcard_constraints:
    model="|".join(MODELS),
    hp=r"(?:[a-z_]+\.[a-z_0-9]+~[A-Za-z0-9_.+-]+/)*",
    ablation="|".join(ABLATIONS),
    split="random|scaffold|cold_cell|cold_drug",
    seed=r"\d+",
    rung=r"\d+",

