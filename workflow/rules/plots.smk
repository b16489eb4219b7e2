# report.h5 -> plots/*.png (test Pearson per model/ablation/split; validation curves; predicted vs
# true of one GAT run; the GAT's attention share per relation type).


rule plots:
    input:
        report=f"{RESULTS}/report.h5",
        samples=f"{RESULTS}/samples.h5",
    output:
        bars=f"{RESULTS}/plots/test_pearson.png",
        curves=f"{RESULTS}/plots/learning_curves.png",
        pred=f"{RESULTS}/plots/pred_vs_true.png",
        attention=f"{RESULTS}/plots/attention_share.png",
    log:
        f"{LOGS}/plots.log",
    resources:
        **job_resources("plots"),
    conda:
        "../envs/plots.yaml"
    script:
        "../scripts/plots.py"
