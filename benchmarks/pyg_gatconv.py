#!/usr/bin/env python3
"""PyTorch Geometric's GATConv on the graph of kgpert's GAT layer benchmark (issue 7).

One GATConv layer (concat heads, dropout 0, self-loops added by PyG) on the same graph that
`kgpert bench gat --save-graph FILE` measured: forward only, then forward + backward with
loss = sum(out * upstream) for a fixed random upstream; each timed with time.perf_counter over
--warmup untimed and --repeats timed iterations, the median reported. Peak memory is the
process's peak RSS (getrusage ru_maxrss); base_rss_mb is the RSS once the graph and x are loaded,
before the layer first runs, so peak - base is the layer's own share.

  plain        GATConv(F, C, heads=H, concat=True, add_self_loops=True)        impl=pyg
  --edge-dim D GATConv(..., edge_dim=D, fill_value=emb[R]) with edge_attr = emb[rel],
               emb a learned [R+1, D] embedding: relation r's row for an edge of relation r,
               row R for every node's self-loop (as in tests/reference/gatconv_reference.py);
               kgpert's relation-aware layer                                    impl=pyg_edge

Graph file (HDF5, as kgpert writes it): datasets /src, /dst, /rel (int64 [E]; edge src -> dst,
no self-loops), root attributes nodes, relations, features, heads, channels, seed. Command-line
--features/--heads/--channels/--seed override the attributes. Without a file, --random N E makes
the same kind of graph (numpy default_rng(seed): src uniform, dst uniform among the other N-1
nodes, rel uniform in [0, R)); --save-graph FILE writes it in kgpert's format (and exits unless
--run is given).

Output: one line on stdout,
  impl=pyg nodes=N edges=E features=F heads=H channels=C threads=T forward_s=.. fwd_bwd_s=.. \
  peak_rss_mb=.. base_rss_mb=..
(fwd_bwd_s=nan with --fwd-only); details (each iteration's time, the peak after the forward-only
phase) go to stderr. `edges` counts the file's edges, without the N self-loops PyG adds.

Run with the venv of benchmarks/setup_pyg.sh:
  .venv-pyg/bin/python benchmarks/pyg_gatconv.py --graph graph.h5 --threads 2
  .venv-pyg/bin/python benchmarks/pyg_gatconv.py --random 130000 4000000 --threads 2 --edge-dim 16
"""
import argparse
import resource
import statistics
import sys
import time

import numpy as np


def log(*a):
    print("[pyg_gatconv]", *a, file=sys.stderr, flush=True)


def rss_mb():
    """Current resident set size in MiB (the unit of ru_maxrss / 1024)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def random_graph(n, e, n_rel, seed):
    """Uniform random edges without self-loops (dst uniform among the n-1 nodes other than src)."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, size=e, dtype=np.int64)
    dst = (src + rng.integers(1, n, size=e, dtype=np.int64)) % n
    rel = rng.integers(0, n_rel, size=e, dtype=np.int64)
    return src, dst, rel


def save_graph(path, src, dst, rel, nodes, relations, features, heads, channels, seed):
    """Writes a graph in the format of `kgpert bench gat --save-graph` (for testing this script)."""
    import h5py
    with h5py.File(path, "w") as f:
        for k, v in (("src", src), ("dst", dst), ("rel", rel)):
            f.create_dataset(k, data=np.asarray(v, dtype=np.int64))
        for k, v in (("nodes", nodes), ("relations", relations), ("features", features),
                     ("heads", heads), ("channels", channels), ("seed", seed)):
            f.attrs[k] = np.int64(v)


def load_graph(path):
    import h5py
    with h5py.File(path, "r") as f:
        src = f["src"][...].astype(np.int64, copy=False)
        dst = f["dst"][...].astype(np.int64, copy=False)
        rel = f["rel"][...].astype(np.int64, copy=False) if "rel" in f else None
        attrs = {k: int(f.attrs[k]) for k in ("nodes", "relations", "features", "heads",
                                              "channels", "seed") if k in f.attrs}
    if src.shape != dst.shape or src.ndim != 1 or (rel is not None and rel.shape != src.shape):
        sys.exit(f"pyg_gatconv.py: {path}: /src, /dst, /rel must be 1-d of one length")
    if "nodes" not in attrs:
        sys.exit(f"pyg_gatconv.py: {path}: no root attribute 'nodes'")
    return src, dst, rel, attrs


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--graph", metavar="FILE", help="HDF5 graph written by kgpert bench gat --save-graph")
    g.add_argument("--random", nargs=2, type=int, metavar=("N", "E"), help="make a random graph")
    p.add_argument("--relations", type=int, default=None, help="relation types of --random (default 8)")
    p.add_argument("--features", type=int, default=None, help="input features (default: file's, else 128)")
    p.add_argument("--heads", type=int, default=None, help="default: file's, else 4")
    p.add_argument("--channels", type=int, default=None, help="per head (default: file's, else 32)")
    p.add_argument("--seed", type=int, default=None, help="default: file's, else 0")
    p.add_argument("--edge-dim", type=int, default=0, metavar="D",
                   help="relation-aware layer: edge_attr = learned emb[R+1, D][rel] (impl=pyg_edge)")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--fwd-only", action="store_true", help="skip forward + backward")
    p.add_argument("--save-graph", metavar="FILE", help="write the --random graph in kgpert's format")
    p.add_argument("--run", action="store_true", help="with --save-graph: also run the benchmark")
    a = p.parse_args()
    if a.repeats < 1 or a.warmup < 0 or a.threads < 1:
        p.error("--repeats >= 1, --warmup >= 0, --threads >= 1")
    if a.save_graph and not a.random:
        p.error("--save-graph needs --random")

    if a.random:
        n, e = a.random
        if n < 2 or e < 0:
            p.error("--random N E: N >= 2, E >= 0")
        attrs = {}
        n_rel = a.relations if a.relations is not None else 8
        seed = a.seed if a.seed is not None else 0
        src, dst, rel = random_graph(n, e, n_rel, seed)
    else:
        src, dst, rel, attrs = load_graph(a.graph)
        n = attrs["nodes"]
        n_rel = attrs.get("relations", int(rel.max()) + 1 if rel is not None and rel.size else 1)
        seed = a.seed if a.seed is not None else attrs.get("seed", 0)
    pick = lambda cli, key, default: cli if cli is not None else attrs.get(key, default)  # noqa: E731
    f_in, heads, ch = pick(a.features, "features", 128), pick(a.heads, "heads", 4), pick(a.channels, "channels", 32)

    if a.save_graph:
        save_graph(a.save_graph, src, dst, rel, n, n_rel, f_in, heads, ch, seed)
        log(f"wrote {a.save_graph}: {n} nodes, {src.size} edges, {n_rel} relations")
        if not a.run:
            return

    e = int(src.size)
    if e and (src.min() < 0 or dst.min() < 0 or max(src.max(), dst.max()) >= n):
        sys.exit(f"pyg_gatconv.py: node ids outside [0, {n})")
    loops = int(np.count_nonzero(src == dst))
    if loops:
        log(f"warning: {loops} self-loops in the edge list; GATConv drops them and adds one per node")
    if a.edge_dim:
        if rel is None:
            sys.exit("pyg_gatconv.py: --edge-dim needs /rel in the graph file")
        if e and (rel.min() < 0 or rel.max() >= n_rel):
            sys.exit(f"pyg_gatconv.py: relation ids outside [0, {n_rel})")

    import torch
    from torch_geometric.nn import GATConv

    torch.set_num_threads(a.threads)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    edge_index = torch.stack([torch.from_numpy(src), torch.from_numpy(dst)])
    rel_t = torch.from_numpy(rel) if rel is not None else None
    del src, dst, rel
    x = torch.randn(n, f_in, generator=gen)
    if a.edge_dim:
        emb = torch.nn.Parameter(torch.randn(n_rel + 1, a.edge_dim, generator=gen))
        conv = GATConv(f_in, ch, heads=heads, concat=True, dropout=0.0, add_self_loops=True,
                       edge_dim=a.edge_dim, fill_value=emb[n_rel])
        impl = "pyg_edge"
    else:
        emb = None
        conv = GATConv(f_in, ch, heads=heads, concat=True, dropout=0.0, add_self_loops=True)
        impl = "pyg"
    upstream = torch.randn(n, heads * ch, generator=gen)

    def forward():
        if emb is None:
            return conv(x, edge_index)
        conv.fill_value = emb[n_rel]  # the self-loops' row, taken anew so its gradient reaches emb
        return conv(x, edge_index, emb[rel_t])

    def fwd_bwd():
        conv.zero_grad(set_to_none=True)
        if emb is not None:
            emb.grad = None
        (forward() * upstream).sum().backward()

    def timed(fn, what):
        times = []
        for i in range(a.warmup + a.repeats):
            if i == a.warmup:
                r0 = resource.getrusage(resource.RUSAGE_SELF)
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            if i >= a.warmup:
                times.append(dt)
        r1, k = resource.getrusage(resource.RUSAGE_SELF), len(times)
        # CPU time in the kernel is mostly page faults on the fresh (mmap'd) memory of large tensors.
        log(f"{what}: " + " ".join(f"{t:.3f}" for t in times) + f" s (median {statistics.median(times):.3f});"
            f" per iteration: user {(r1.ru_utime - r0.ru_utime) / k:.2f} s, sys {(r1.ru_stime - r0.ru_stime) / k:.2f} s,"
            f" {(r1.ru_minflt - r0.ru_minflt) / k / 1e6:.2f} M page faults; peak RSS so far {peak_rss_mb():.0f} MB")
        return statistics.median(times)

    base = rss_mb()
    log(f"{impl}: {n} nodes, {e} edges (+{n} self-loops by PyG), {n_rel} relations, F={f_in}, "
        f"{heads} heads x {ch}, edge_dim={a.edge_dim or None}, threads={torch.get_num_threads()}, "
        f"torch {torch.__version__}, PyG {__import__('torch_geometric').__version__}; "
        f"RSS before the layer {base:.0f} MB (peak so far {peak_rss_mb():.0f} MB)")

    def fwd_timed():
        with torch.enable_grad():  # the forward of a training step: autograd records, as it would
            forward()
    t_fwd = timed(fwd_timed, "forward")
    t_fb = float("nan") if a.fwd_only else timed(fwd_bwd, "forward+backward")

    print(f"impl={impl} nodes={n} edges={e} features={f_in} heads={heads} channels={ch} "
          f"threads={a.threads} forward_s={t_fwd:.3f} fwd_bwd_s={t_fb:.3f} "
          f"peak_rss_mb={peak_rss_mb():.0f} base_rss_mb={base:.0f}", flush=True)


if __name__ == "__main__":
    main()
