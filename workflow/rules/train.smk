# One job per sweep point: runs/model~M/ablation~A/split~S/seed~N/run.h5, by rule `train`; with
# dist.ranks > 1 the gradient-trained models' jobs are multi-rank MPI jobs (rule train_mpi, the
# same rule with other resources), the closed-form baselines stay single-process. Memory, run
# time and GPUs come from the config's resources.train (job_resources).
#
# The rules `exec` kgpert (or the MPI launcher): SLURM sends SIGTERM to every process of a job
# it requeues, preempts or stops at its time limit, and SIGKILL KillWait s later (scancel
# --signal=USR1 and sbatch --signal=USR1@T signal every step's processes). kgpert stops after
# the current step, writes run.h5.ckpt and exits 143 (138 for USR1); a shell between it and
# Snakemake would die of the SIGTERM at once, Snakemake would end the job step, and the step's
# cgroup (on a real cluster) would take kgpert with it before the checkpoint is written.
#
# A multi-rank job: dist.ranks processes of `cpus_per_task` threads each (config `threads`
# unless a profile sets the resource), started by the `mpi` resource (dist.launcher; the SLURM
# profile sets `srun --mpi=pmix`, which the executor plugin runs in an allocation of `tasks`
# tasks of `cpus_per_task` cores), each rank with the signatures of its METIS part (the
# partition). Open MPI refuses root without its two variables; they change nothing for other
# users or launchers. The MPI variant is a rule of its own (train_mpi, train_rung_mpi) because a
# profile's set-resources, and the executor's `mpi` and `tasks`, apply to whole rules.


rule train:
    input:
        unpack(train_inputs),
    # Not an output: run.h5.ckpt, the checkpoint kgpert keeps beside run.h5 while it trains,
    # which Snakemake must not delete when the job fails (a rerun resumes from it).
    output:
        f"{RUN_DIR}/run.h5",
    log:
        f"{LOGS}/train/model~{{model}}/ablation~{{ablation}}/split~{{split}}/{{hp}}seed~{{seed}}.log",
    params:
        sets=train_sets,
        variant=train_variant,
        env=launch_env,
        launch=launch_prefix,
        threads=process_threads,
        partition=partition_arg,
    wildcard_constraints:
        model="|".join(CLOSED_FORM if RANKS > 1 else MODELS),
    threads: config["threads"]
    resources:
        **job_resources("train"),
    conda:
        "../envs/kgpert.yaml"
    shell:
        "export {params.env}; "
        'exec {params.launch}"$KGPERT" train --config "$KGPERT_CONFIG" {params.sets} --set threads={params.threads} '
        "--variant {params.variant} --graph {input.graph:q} --samples {input.samples:q} --split {input.split:q} "
        "{params.partition}--out {output:q} > {log:q} 2>&1"


if RANKS > 1:

    use rule train as train_mpi with:
        wildcard_constraints:
            model="|".join(TRAINED),
        threads: RANKS * config["threads"]
        resources:
            **MPI_RESOURCES,


# ---- successive halving (sweep.search: halving; common.smk, workflow/scripts/halving.py) ------
# Rung r of one seed of a grid point: trained to RUNG_EPOCHS[r] epochs of a run of train.epochs
# (--stop-epoch: the lr schedule and the checkpoint's identity are those of train.epochs in every
# rung), going on from rung r - 1's final.ckpt (--resume-from), so that it equals an
# uninterrupted run of RUNG_EPOCHS[r] epochs bit for bit; its own final.ckpt is the state after
# its last epoch. A killed job leaves run.h5.ckpt beside its run.h5 and resumes from it, as rule
# train does (exec, for the same reason). Only gradient-trained models race, so with
# dist.ranks > 1 every rung job is a multi-rank one: the rule is then named train_rung_mpi (with
# the partition, under dist.launcher, as train_mpi).
rule:
    name:
        "train_rung_mpi" if RANKS > 1 else "train_rung"
    input:
        unpack(rung_inputs),
    output:
        run=f"{RUN_DIR}/rung~{{rung}}/run.h5",
        ckpt=f"{RUN_DIR}/rung~{{rung}}/final.ckpt",
    log:
        f"{LOGS}/train/model~{{model}}/ablation~{{ablation}}/split~{{split}}/{{hp}}seed~{{seed}}.rung~{{rung}}.log",
    wildcard_constraints:
        model="|".join(TRAINED),
    params:
        sets=train_sets,
        variant=train_variant,
        env=launch_env,
        launch=launch_prefix,
        threads=process_threads,
        extra=lambda wildcards, input, output: rung_extra(wildcards, input, output),
    threads: RANKS * config["threads"]
    resources:
        **(MPI_RESOURCES if RANKS > 1 else job_resources("train")),
    conda:
        "../envs/kgpert.yaml"
    shell:
        "export {params.env}; "
        'exec {params.launch}"$KGPERT" train --config "$KGPERT_CONFIG" {params.sets} --set threads={params.threads} '
        "--variant {params.variant} --graph {input.graph:q} --samples {input.samples:q} --split {input.split:q} "
        "{params.extra} --out {output.run:q} > {log:q} 2>&1"


# After rung r of a (model, ablation, split): its points ranked by the mean over their seeds of
# the validation sweep.halving.metric, ties broken by the point's name; the best 1/eta go on
# (survives: yes). The last rung's table ranks the finished points. A checkpoint: the next rung's
# jobs (and the report's inputs) are known only once it is written.
checkpoint halving_rung:
    input:
        halving_rung_inputs,
    output:
        RUNG_TABLE,
    log:
        f"{LOGS}/halving/model~{{model}}/ablation~{{ablation}}/split~{{split}}/rung~{{rung}}.log",
    params:
        metric=config["sweep"]["halving"]["metric"],
        eta=config["sweep"]["halving"]["eta"],
        last=lambda wildcards: int(wildcards.rung) == RUNGS - 1,
    localrule: True
    conda:
        "../envs/plots.yaml"
    script:
        "../scripts/halving.py"


# The run.h5 of one racing group the report gathers (halving_group_inputs), one per line.
rule halving_runs:
    input:
        unpack(halving_group_inputs),
    output:
        HALVING_RUNS,
    log:
        f"{LOGS}/halving/model~{{model}}/ablation~{{ablation}}/split~{{split}}/runs.log",
    localrule: True
    conda:
        "../envs/kgpert.yaml"
    shell:
        # {input} and a filter, not {input.runs}: a dry run formats the command before the
        # group's checkpoints have named its inputs.
        "printf '%s\\n' {input:q} | grep 'run\\.h5$' > {output:q} 2> {log:q}"
