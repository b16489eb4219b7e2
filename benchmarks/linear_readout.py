#!/usr/bin/env python3
"""Where does GAT (kg) lose to kg_ridge? One linear model, fitted three ways.

The model is kg_ridge's core design on one suite dataset: [cell line one-hot, dose, time,
drug:drug_protein>pathway_protein with row normalisation] (each block scaled to unit mean
squared row norm, as kgpert's KgDesign does) times a weight matrix W, plus a bias. It is fitted

  ridge      in closed form, alpha picked on validation (what kg_ridge does);
  adam       by Adam on minibatches of 128, early stopping on validation Pearson (patience 10,
             at most 150 epochs: what `kgpert train` does), with an L2 term `l2` on W;
  rank K     as adam, W = A B factorised through K dimensions (GAT (kg)'s decoder reads the
             drug through a `gat.hidden`-wide state).

Test per-signature Pearson, as kgpert reports it. Reads a dataset made by the workflow
(results/<dataset>/{graph,samples}.h5 and splits/<split>.h5); numpy and h5py only:

  .venv/bin/python benchmarks/linear_readout.py results/bench_pathway2 scaffold
"""
import sys

import h5py
import numpy as np


def names(ds):
    return [x.decode() if isinstance(x, bytes) else x for x in ds[()]]


def design(root, split):
    g, s, sp = h5py.File(f"{root}/graph.h5"), h5py.File(f"{root}/samples.h5"), h5py.File(f"{root}/splits/{split}.h5")
    rels, types = names(g["relations/name"]), names(g["types/name"])
    indptr, src, rel = g["edges/indptr"][()], g["edges/src"][()], g["edges/rel"][()]
    ntype = g["nodes/type"][()]
    dst = np.repeat(np.arange(len(ntype)), np.diff(indptr))

    def out_edges(r):  # u -> [v] for the edges of relation r
        out = {}
        m = rel == rels.index(r)
        for u, v in zip(src[m], dst[m]):
            out.setdefault(int(u), []).append(int(v))
        return out

    targets, pathways = out_edges("drug_protein"), out_edges("pathway_protein")
    pw_nodes = np.where(ntype == types.index("pathway"))[0]
    col = {int(v): i for i, v in enumerate(pw_nodes)}
    drug_node = s["drugs/node"][()]
    paths = np.zeros((len(drug_node), len(pw_nodes)))  # drug -> target -> pathway, row-normalised hops
    for d, u in enumerate(drug_node):
        ts = targets.get(int(u), [])
        for t in ts:
            ps = [p for p in pathways.get(t, []) if p in col]
            for p in ps:
                paths[d, col[p]] += 1.0 / len(ts) / len(ps)
    sd, sc = s["signatures/drug"][()], s["signatures/cell"][()]
    tr, va, te = sp["train"][()], sp["val"][()], sp["test"][()]

    def standard(x):
        return (x - x[tr].mean()) / x[tr].std()

    blocks = [np.eye(len(s["cells/id"]))[sc], standard(np.log1p(s["signatures/dose_um"][()]))[:, None],
              standard(np.log1p(s["signatures/time_h"][()]))[:, None], paths[sd]]
    blocks = [b / np.sqrt((b[tr] ** 2).sum(1).mean()) for b in blocks]
    x = np.hstack(blocks + [np.ones((len(sd), 1))])
    return x, s["signatures/y"][()].astype(np.float64), tr, va, te


def pearson(p, t):
    p, t = p - p.mean(1, keepdims=True), t - t.mean(1, keepdims=True)
    return float(np.mean((p * t).sum(1) / np.sqrt((p * p).sum(1) * (t * t).sum(1) + 1e-12)))


def ridge(x, y, tr, va, te):
    best = None
    for alpha in [1, 3, 10, 30, 100, 300, 1000]:
        a = x[tr].T @ x[tr] + alpha * np.eye(x.shape[1])
        a[-1, -1] -= alpha  # no penalty on the bias
        w = np.linalg.solve(a, x[tr].T @ y[tr])
        v = pearson(x[va] @ w, y[va])
        if best is None or v > best[0]:
            best = (v, pearson(x[te] @ w, y[te]), alpha)
    return best


def adam(x, y, tr, va, te, rank=None, l2=0.0, lr=3e-3, seed=0):
    rng = np.random.default_rng(seed)
    f, g = x.shape[1], y.shape[1]
    ps = ([rng.normal(0, 0.01, (f, g))] if rank is None else
          [rng.normal(0, f ** -0.5, (f, rank)), rng.normal(0, rank ** -0.5, (rank, g))])
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in ps]
    step, best = 0, (-1.0, 0.0, 0)
    for epoch in range(1, 151):
        order = rng.permutation(tr)
        for i in range(0, len(order), 128):
            b = order[i:i + 128]
            h = x[b] @ ps[0] if rank is not None else None
            r = ((h @ ps[1] if rank is not None else x[b] @ ps[0]) - y[b]) * 2 / (len(b) * g)  # d mean-squared error
            grads = ([x[b].T @ r] if rank is None else [x[b].T @ (r @ ps[1].T), h.T @ r])
            step += 1
            for p, d, (m, v) in zip(ps, grads, moments):
                d = d + l2 * p
                m *= 0.9
                m += 0.1 * d
                v *= 0.999
                v += 0.001 * d * d
                p -= lr * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
        w = ps[0] if rank is None else ps[0] @ ps[1]
        val = pearson(x[va] @ w, y[va])
        if val > best[0]:
            best = (val, pearson(x[te] @ w, y[te]), epoch)
        if epoch - best[2] >= 10:
            break
    return best


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "results/bench_pathway2"
    split = sys.argv[2] if len(sys.argv) > 2 else "scaffold"
    x, y, tr, va, te = design(root, split)
    # kg_ridge's alpha on the summed squared error is l2 = 2 alpha / (n_train G) on the mean.
    v, t, alpha = ridge(x, y, tr, va, te)
    l2 = 2 * alpha / (len(tr) * y.shape[1])
    print(f"{root} {split}: {x.shape[1]} columns, {len(tr)} / {len(va)} / {len(te)} signatures")
    print(f"{'fit':34s} {'val':>6s} {'test':>6s}")
    print(f"{f'ridge (alpha {alpha}, closed form)':34s} {v:6.4f} {t:6.4f}")
    for rank in [None, 64]:
        for pen in [0.0, l2]:
            v, t, epoch = adam(x, y, tr, va, te, rank=rank, l2=pen)
            label = f"adam{'' if rank is None else f' rank {rank}'}, l2 {pen:.1e} (ep {epoch})"
            print(f"{label:34s} {v:6.4f} {t:6.4f}", flush=True)


if __name__ == "__main__":
    main()
