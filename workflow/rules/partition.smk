# graph.h5 + samples.h5 -> partition.h5 (METIS parts, halos, sample -> rank).


rule partition:
    input:
        graph=f"{RESULTS}/graph.h5",
        samples=f"{RESULTS}/samples.h5",
    output:
        f"{RESULTS}/partition.h5",
    log:
        f"{LOGS}/partition.log",
    params:
        sets=set_args(("dataset", "partition.", "gat.layers")),
    resources:
        **job_resources("partition"),
    conda:
        "../envs/kgpert.yaml"
    shell:
        '"$KGPERT" partition --config "$KGPERT_CONFIG" {params.sets} '
        "--graph {input.graph:q} --samples {input.samples:q} --out {output:q} > {log:q} 2>&1"
