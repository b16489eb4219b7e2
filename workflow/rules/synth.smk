# Demo inputs in the real PrimeKG / LINCS formats; only when inputs.kg_csv is empty.


if SYNTHETIC:

    rule synth:
        output:
            **{key: f"{RAW}/{name}" for key, name in RAW_FILES.items()},
        log:
            f"{LOGS}/synth.log",
        params:
            sets=set_args(("dataset", "synth.", "inputs.gene_table")),
            out=lambda wildcards, output: os.path.dirname(output.kg_csv),
        resources:
            **job_resources("synth"),
        conda:
            "../envs/kgpert.yaml"
        shell:
            '"$KGPERT" synth --config "$KGPERT_CONFIG" {params.sets} --out {params.out:q} > {log:q} 2>&1'
