# kgpert workflow: synth (demo) -> ingest -> split -> partition -> train (sweep) -> report, tables,
# plots, the explanation of one GAT run.
# Run: snakemake --profile cluster/local [--configfile configs/X.yaml]; see README.md.
# The rules live in workflow/rules/; `all` stays here, since only the main Snakefile sets
# the default target.


include: "workflow/rules/common.smk"
include: "workflow/rules/synth.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/split.smk"
include: "workflow/rules/partition.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/plots.smk"
include: "workflow/rules/explain.smk"


# The HTML report: snakemake --report results/<dataset>/report.html (after the run; README.md).
report: "workflow/report/workflow.rst"


rule all:
    input:
        f"{RESULTS}/partition.h5",
        f"{RESULTS}/report.h5",
        f"{RESULTS}/compare.txt",
        f"{RESULTS}/compare.csv",
        f"{RESULTS}/compare_paired.txt",
        f"{RESULTS}/compare_paired.csv",
        f"{RESULTS}/compare.html",
        f"{RESULTS}/plots/test_pearson.png",
        f"{RESULTS}/plots/learning_curves.png",
        f"{RESULTS}/plots/pred_vs_true.png",
        f"{RESULTS}/plots/attention_share.png",
        f"{RESULTS}/plots/sweeps",
        f"{RESULTS}/plots/halving",
        explain_outputs(),
