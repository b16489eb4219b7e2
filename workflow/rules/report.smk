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
        '"$KGPERT" report --config "$KGPERT_CONFIG" --out {output} {input.runs} > {log} 2>&1'


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
        '("$KGPERT" compare {input} --format table --out {output.table} && '
        '"$KGPERT" compare {input} --format csv --out {output.csv} && '
        '"$KGPERT" compare {input} --paired --out {output.paired}) > {log} 2>&1'
