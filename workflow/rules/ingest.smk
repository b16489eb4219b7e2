# PrimeKG + LINCS inputs -> the merged graph (graph.h5) and the signatures (samples.h5).


rule ingest:
    input:
        **{k: v for k, v in ingest_inputs().items() if v},
    output:
        graph=f"{RESULTS}/graph.h5",
        samples=f"{RESULTS}/samples.h5",
    log:
        f"{LOGS}/ingest.log",
    params:
        sets=ingest_sets(),
    threads: config["threads"]
    resources:
        **job_resources("ingest"),
    conda:
        "../envs/kgpert.yaml"
    shell:
        "export OMP_NUM_THREADS={threads} OPENBLAS_NUM_THREADS={threads}; "
        '"$KGPERT" ingest --config "$KGPERT_CONFIG" {params.sets} --set threads={threads} '
        "--graph {output.graph:q} --samples {output.samples:q} > {log:q} 2>&1"
