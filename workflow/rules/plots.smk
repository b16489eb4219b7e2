# report.h5 -> plots/*.png (test Pearson per model/ablation/split; validation curves; predicted vs
# true of one GAT run; the GAT's attention share per relation type) and plots/sweeps/ (test and
# validation Pearson against each sweep.grid key's values) and plots/halving/ (under
# sweep.search halving, halving_<model>[+<ablation>].png, each point's validation metric per
# rung, read from the rungs' run.h5 files and tables, upstream of report.h5; empty otherwise).


rule plots:
    input:
        report=f"{RESULTS}/report.h5",
        samples=f"{RESULTS}/samples.h5",
    # Tagged for the HTML report (`snakemake --report results/<dataset>/report.html`), with the
    # captions of workflow/report/.
    output:
        bars=report(
            f"{RESULTS}/plots/test_pearson.png",
            caption="../report/test_pearson.rst",
            category="Test Pearson",
            labels={"figure": "test Pearson", "runs": "model × ablation × split"},
        ),
        curves=report(
            f"{RESULTS}/plots/learning_curves.png",
            caption="../report/learning_curves.rst",
            category="Learning curves",
            labels={"figure": "validation Pearson per epoch", "runs": "model × ablation × split"},
        ),
        pred=report(
            f"{RESULTS}/plots/pred_vs_true.png",
            caption="../report/pred_vs_true.rst",
            category="GAT run",
            labels={"figure": "predicted vs measured (the run in its title)"},
        ),
        attention=report(
            f"{RESULTS}/plots/attention_share.png",
            caption="../report/attention_share.rst",
            category="GAT attention",
            labels={"figure": "attention share per relation type", "runs": "GAT, no ablation"},
        ),
        # sweep_<key>.png per grid key of the report's runs, none without a grid: the script
        # reads the keys from report.h5 alone, so the rule cannot name the files and declares
        # the directory (always made; Snakemake removes it before the job, so no figure of an
        # earlier grid stays). In the report, one subcategory per key.
        sweeps=report(
            directory(f"{RESULTS}/plots/sweeps"),
            patterns=["sweep_{key}.png"],
            caption="../report/sweep.rst",
            category="Sweeps",
            subcategory="{key}",
            labels={"figure": "metrics against a sweep.grid key", "key": "{key}"},
        ),
        # halving_<race>.png per racing model (and ablation) of a sweep.search halving sweep;
        # none under grid search. In the report, the subcategory "halving".
        halving=report(
            directory(f"{RESULTS}/plots/halving"),
            patterns=["halving_{race}.png"],
            caption="../report/halving.rst",
            category="Sweeps",
            subcategory="halving",
            labels={"figure": "validation metric per rung", "race": "{race}"},
        ),
    log:
        f"{LOGS}/plots.log",
    resources:
        **job_resources("plots"),
    conda:
        "../envs/plots.yaml"
    script:
        "../scripts/plots.py"
