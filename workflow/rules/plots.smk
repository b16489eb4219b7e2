# report.h5 -> plots/*.png (test Pearson per model/ablation/split; validation curves).


rule plots:
    input:
        f"{RESULTS}/report.h5",
    output:
        bars=f"{RESULTS}/plots/test_pearson.png",
        curves=f"{RESULTS}/plots/learning_curves.png",
    log:
        f"{LOGS}/plots.log",
    conda:
        "../envs/plots.yaml"
    script:
        "../scripts/plots.py"
