# One GAT run of the sweep explained: `kgpert explain` on its best-predicted test signature,
# the figure (explain.png, rendered by Graphviz) for the HTML report. The run is the one
# plots/pred_vs_true.png shows where the sweep has no grid: the GAT without ablation on the
# scaffold split if the sweep has it (else the first split by name), its first seed (and the
# first grid variant; under sweep.search halving the point ranked first at the last rung,
# explain_run). No rule without such a run (no GAT, or the GAT only ablated): EXPLAIN
# (workflow/rules/common.smk) is None.


if EXPLAIN:
    _m, _a, _s, _hp, _seed = EXPLAIN
    _grid = (", the point ranked first at the last rung" if HALVING and _m not in CLOSED_FORM
             else "".join(f", {seg.replace('~', '=')}" for seg in filter(None, _hp.split("/"))))

    rule explain:
        input:
            run=explain_run,
            graph=f"{RESULTS}/graph.h5",
            samples=f"{RESULTS}/samples.h5",
        output:
            figure=report(
                f"{EXPLAIN_DIR}/explain.png",
                caption="../report/explain.rst",
                category="GAT run",
                # One label per figure of the category but this "run": Snakemake's report makes a
                # label of two values, each on half the results, a toggle between them.
                labels={"figure": "attention into one prediction", "run": f"GAT, {_s} split, seed {_seed}{_grid}"},
            ),
            nodes=f"{EXPLAIN_DIR}/explain_nodes.tsv",
            paths=f"{EXPLAIN_DIR}/explain_paths.tsv",
        params:
            top=8,
        log:
            f"{LOGS}/explain.log",
        resources:
            **job_resources("explain"),
        conda:
            "../envs/plots.yaml"
        script:
            "../scripts/explain.py"
