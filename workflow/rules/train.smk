# One job per sweep point: runs/model~M/ablation~A/split~S/seed~N/run.h5.


rule train:
    input:
        graph=f"{RESULTS}/graph.h5",
        samples=f"{RESULTS}/samples.h5",
        split=f"{RESULTS}/splits/{{split}}.h5",
    # Not an output: run.h5.ckpt, the checkpoint kgpert keeps beside run.h5 while it trains,
    # which Snakemake must not delete when the job fails (a rerun resumes from it).
    output:
        f"{RUN_DIR}/run.h5",
    log:
        f"{LOGS}/train/model~{{model}}/ablation~{{ablation}}/split~{{split}}/seed~{{seed}}.log",
    params:
        sets=train_sets,
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=120,
    conda:
        "../envs/kgpert.yaml"
    shell:
        "export OMP_NUM_THREADS={threads} OPENBLAS_NUM_THREADS={threads}; "
        '"$KGPERT" train --config "$KGPERT_CONFIG" {params.sets} --set threads={threads} '
        "--graph {input.graph} --samples {input.samples} --split {input.split} "
        "--out {output} > {log} 2>&1"
