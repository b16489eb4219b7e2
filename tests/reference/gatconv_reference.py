#!/usr/bin/env python3
"""Reference outputs and gradients of PyTorch Geometric's GATConv for tests/model/test_gat_reference.cpp.

kgpert's GatLayer is GATConv with edge features: the relation r of an edge enters the logits
as lin_edge(emb[r]), and each node's self-loop has its own relation R (row R of emb). Here the
same computation runs in PyG on small graphs with fixed random weights, in float64:
edge_attr = emb[rel] (emb a leaf tensor, so its gradient is comparable), self-loops added by
GATConv itself with fill_value = emb[R] (cases "loops_pyg"), or already in the edge list with
GATConv(add_self_loops=False) (case "loops_given"). The loss is sum(out * upstream), so every
gradient is checked against an arbitrary upstream gradient.

Run (needs torch and torch_geometric; Debian's python3-torch + `pip install torch_geometric==2.4.0`
in a venv made with --system-site-packages):
    python3 tests/reference/gatconv_reference.py > tests/reference/gatconv_reference.txt
Format: per case a line "case NAME heads H channels C concat 0|1 slope S self_loops 0|1
relations R", then per tensor "tensor NAME ndim d0 d1 ..." and one line of values (%.17g).
"""
import sys

import torch
from torch_geometric.nn import GATConv

torch.set_default_dtype(torch.float64)


def emit(name, t):
    t = t.detach().contiguous()
    dims = " ".join(str(d) for d in t.shape)
    print(f"tensor {name} {t.dim()} {dims}")
    print(" ".join(f"{float(v):.17g}" if t.is_floating_point() else str(int(v)) for v in t.reshape(-1).tolist()))


def case(name, n, f, heads, c, concat, slope, n_rel, rel_dim, edges, pyg_loops, seed):
    g = torch.Generator().manual_seed(seed)
    src = torch.tensor([e[0] for e in edges], dtype=torch.int64)
    dst = torch.tensor([e[1] for e in edges], dtype=torch.int64)
    rel = torch.tensor([e[2] for e in edges], dtype=torch.int64)
    x = torch.randn(n, f, generator=g).requires_grad_()
    emb = torch.randn(n_rel + 1, rel_dim, generator=g).requires_grad_()
    conv = GATConv(f, c, heads=heads, concat=concat, negative_slope=slope, dropout=0.0,
                   add_self_loops=pyg_loops, edge_dim=rel_dim,
                   fill_value=emb[n_rel] if pyg_loops else "mean", bias=True)
    with torch.no_grad():  # every parameter random (bias too, which GATConv zeroes)
        for p in conv.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    out = conv(x, torch.stack([src, dst]), emb[rel])
    upstream = torch.randn(out.shape, generator=g)
    (out * upstream).sum().backward()
    print(f"case {name} heads {heads} channels {c} concat {int(concat)} slope {slope!r} "
          f"self_loops {int(pyg_loops)} relations {n_rel}")
    for k, t in [("x", x), ("src", src), ("dst", dst), ("rel", rel), ("emb", emb),
                 ("lin", conv.lin_src.weight), ("lin_edge", conv.lin_edge.weight),
                 ("att_src", conv.att_src.view(heads, c)), ("att_dst", conv.att_dst.view(heads, c)),
                 ("att_edge", conv.att_edge.view(heads, c)), ("bias", conv.bias),
                 ("out", out), ("upstream", upstream), ("grad_x", x.grad), ("grad_emb", emb.grad),
                 ("grad_lin", conv.lin_src.weight.grad), ("grad_lin_edge", conv.lin_edge.weight.grad),
                 ("grad_att_src", conv.att_src.grad.view(heads, c)),
                 ("grad_att_dst", conv.att_dst.grad.view(heads, c)),
                 ("grad_att_edge", conv.att_edge.grad.view(heads, c)), ("grad_bias", conv.bias.grad)]:
        emit(k, t)


def random_edges(n, m, n_rel, seed, loops=False):
    g = torch.Generator().manual_seed(seed)
    out = []
    while len(out) < m:
        s, d = (int(v) for v in torch.randint(0, n, (2,), generator=g))
        if s != d:  # GATConv drops given self-loops before adding its own
            out.append((s, d, int(torch.randint(0, n_rel, (1,), generator=g))))
    if loops:
        out += [(v, v, n_rel) for v in range(n)]
    return out


def main():
    print("# PyG", __import__("torch_geometric").__version__, "torch", torch.__version__)
    # A star, a chain, parallel edges of different relations, a node with no in-edges (3).
    hand = [(0, 1, 0), (2, 1, 1), (4, 1, 2), (1, 2, 0), (2, 4, 1), (2, 4, 2), (4, 0, 0), (5, 0, 1)]
    case("hand_concat", 6, 4, 2, 3, True, 0.2, 3, 5, hand, True, 1)
    case("random_mean", 9, 5, 3, 2, False, 0.2, 4, 3, random_edges(9, 30, 4, 2), True, 2)
    case("random_wide", 12, 8, 4, 4, True, 0.1, 5, 6, random_edges(12, 60, 5, 3), True, 3)
    case("loops_given", 7, 3, 2, 2, True, 0.2, 2, 4, random_edges(7, 18, 2, 4, loops=True), False, 4)


if __name__ == "__main__":
    sys.exit(main())
