# report.h5 -> plots/*.png (test Pearson per model/ablation/split; validation curves; predicted vs
# true of one GAT run; the GAT's attention share per relation type) and plots/sweeps/ (test and
# validation Pearson against each sweep.grid key's values).


rule plots:
    input:
        report=f"{RESULTS}/report.h5",
        samples=f"{RESULTS}/samples.h5",
    output:
        bars=f"{RESULTS}/plots/test_pearson.png",
        curves=f"{RESULTS}/plots/learning_curves.png",
        pred=f"{RESULTS}/plots/pred_vs_true.png",
        attention=f"{RESULTS}/plots/attention_share.png",
        # sweep_<key>.png per grid key of the report's runs, none without a grid: the script
        # reads the keys from report.h5 alone, so the rule cannot name the files and declares
        # the directory (always made; Snakemake removes it before the job, so no figure of an
        # earlier grid stays).
        sweeps=directory(f"{RESULTS}/plots/sweeps"),
    log:
        f"{LOGS}/plots.log",
    resources:
        **job_resources("plots"),
    conda:
        "../envs/plots.yaml"
    script:
        "../scripts/plots.py"
