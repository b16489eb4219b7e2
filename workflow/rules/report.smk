# Every run.h5 of the sweep -> report.h5 -> compare.txt / compare.csv.


rule report:
    input:
        runs=sweep_runs(),
    output:
        f"{RESULTS}/report.h5",
    log:
        f"{LOGS}/report.log",
    resources:
        **job_resources("report"),
    conda:
        "../envs/kgpert.yaml"
    shell:
        '"$KGPERT" report --config "$KGPERT_CONFIG" --out {output:q} {input.runs:q} > {log:q} 2>&1'


rule compare:
    input:
        f"{RESULTS}/report.h5",
    output:
        table=f"{RESULTS}/compare.txt",
        csv=f"{RESULTS}/compare.csv",
        paired=f"{RESULTS}/compare_paired.txt",
    log:
        f"{LOGS}/compare.log",
    resources:
        **job_resources("compare"),
    conda:
        "../envs/kgpert.yaml"
    shell:
        '("$KGPERT" compare {input:q} --format table --out {output.table:q} && '
        '"$KGPERT" compare {input:q} --format csv --out {output.csv:q} && '
        '"$KGPERT" compare {input:q} --paired --out {output.paired:q}) > {log:q} 2>&1'
