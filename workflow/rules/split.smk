# samples.h5 -> splits/<kind>.h5 (train/val/test signatures; random, scaffold, cold_cell, cold_drug).


rule split:
    input:
        samples=f"{RESULTS}/samples.h5",
    output:
        f"{RESULTS}/splits/{{split}}.h5",
    log:
        f"{LOGS}/split/{{split}}.log",
    resources:
        **job_resources("split"),
    params:
        sets=lambda wildcards: set_args(
            ("dataset", "split."), exclude=("split.kind",), split__kind=wildcards.split
        ),
    conda:
        "../envs/kgpert.yaml"
    shell:
        '"$KGPERT" split --config "$KGPERT_CONFIG" {params.sets} '
        "--samples {input.samples:q} --out {output:q} > {log:q} 2>&1"
