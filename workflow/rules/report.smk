# Every run.h5 of the sweep -> report.h5 (with the workflow's Python packages) -> compare.txt /
# compare.csv.


rule report:
    input:
        # grid: every sweep point's run.h5; halving: the closed-form baselines' and the lists of
        # each racing group's runs (common.smk, report_inputs).
        **report_inputs(),
    output:
        f"{RESULTS}/report.h5",
    log:
        f"{LOGS}/report.log",
    resources:
        **job_resources("report"),
    conda:
        "../envs/kgpert.yaml"
    shell:
        # The version and packages of the workflow's Python (`-VV`, `pip freeze --all`) go into
        # report.h5 as the attribute python_env, through a temporary file.
        'packages="$(mktemp)" && trap \'rm -f "$packages"\' EXIT && '
        '("$KGPERT_PYTHON" -VV && "$KGPERT_PYTHON" -m pip freeze --all --disable-pip-version-check) '
        '> "$packages" 2> {log:q} && '
        # The lists of halving_runs (none under grid search) hold one run.h5 per line.
        'mapfile -t halved < <(cat /dev/null {input.halved:q}) && '
        '"$KGPERT" report --config "$KGPERT_CONFIG" --python-env "$packages" --out {output:q} {input.runs:q} '
        '"${{halved[@]}}" '
        '>> {log:q} 2>&1'


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
