# Every run.h5 of the sweep -> report.h5 (with the workflow's Python packages) -> compare.txt /
# compare.csv / compare_paired.txt / compare_paired.csv -> compare.html (the tables of the HTML
# report, `snakemake --report results/<dataset>/report.html`).


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
        csv=report(
            f"{RESULTS}/compare.csv",
            caption="../report/compare_csv.rst",
            category="Comparison",
            labels={"table": "test metrics", "format": "CSV"},
        ),
        paired=f"{RESULTS}/compare_paired.txt",
        paired_csv=report(
            f"{RESULTS}/compare_paired.csv",
            caption="../report/compare_paired_csv.rst",
            category="Comparison",
            labels={"table": "paired comparisons", "format": "CSV"},
        ),
    log:
        f"{LOGS}/compare.log",
    resources:
        **job_resources("compare"),
    conda:
        "../envs/kgpert.yaml"
    shell:
        '("$KGPERT" compare {input:q} --format table --out {output.table:q} && '
        '"$KGPERT" compare {input:q} --format csv --out {output.csv:q} && '
        '"$KGPERT" compare {input:q} --paired --out {output.paired:q} && '
        '"$KGPERT" compare {input:q} --paired --format csv --out {output.paired_csv:q}) > {log:q} 2>&1'


# The two comparison tables as one HTML page, which the report shows as it is (the CSVs are
# downloads there).
rule tables:
    input:
        csv=f"{RESULTS}/compare.csv",
        paired=f"{RESULTS}/compare_paired.csv",
    output:
        report(
            f"{RESULTS}/compare.html",
            caption="../report/compare_html.rst",
            category="Comparison",
            labels={"table": "test metrics and paired comparisons", "format": "HTML"},
        ),
    log:
        f"{LOGS}/tables.log",
    resources:
        **job_resources("tables"),
    conda:
        "../envs/plots.yaml"
    script:
        "../scripts/tables.py"
