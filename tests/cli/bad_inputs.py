#!/usr/bin/env python3
"""Table-driven bad-input suite: each case runs one kgpert command on small files made here
and checks its exit status, that stderr is one line `kgpert <stage>: ...` holding the expected
fragments, and that no file under the test's directory was created, changed or removed (no
output, no temporary file, no input overwritten: every file's size and SHA-256 before/after).

  bad_inputs.py KGPERT [--keep] [-k SUBSTRING]

Everything is written inside one temporary directory, removed at the end (unless --keep).
"""
import argparse
import csv
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CFG = os.path.join(ROOT, "configs", "test.yaml")
TIMEOUT = 120  # a case that blocks (a FIFO opened) fails here instead of hanging the suite


def snapshot(top):
    """{relative path: (kind, size, sha256)} of everything under top (FIFOs never opened)."""
    out = {}
    for d, dirs, files in os.walk(top):
        for name in dirs + files:
            p = os.path.join(d, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, top)
            if stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                with open(p, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        h.update(block)
                out[rel] = ("file", st.st_size, h.hexdigest())
            elif stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p), "")
            else:
                out[rel] = ("other", stat.S_IFMT(st.st_mode), "")
    return out


def diff(before, after):
    msgs = []
    for k in sorted(set(before) | set(after)):
        if k not in before:
            msgs.append(f"created {k}")
        elif k not in after:
            msgs.append(f"removed {k}")
        elif before[k] != after[k]:
            msgs.append(f"changed {k}")
    return msgs


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, **kw)
    if r.returncode != 0:
        sys.exit(f"FAIL: setup command failed: {' '.join(cmd)}\n{r.stderr}")
    return r


def first_line_of(path, pert_type="trt_cp"):
    """1-based line of the first data row of sig_info with the given pert_type."""
    with open(path) as f:
        lines = f.read().splitlines()
    h = lines[0].split("\t")
    for i, line in enumerate(lines[1:], start=2):
        if line.split("\t")[h.index("pert_type")] == pert_type:
            return i
    raise AssertionError("no such row")


class Suite:
    def __init__(self, kgpert, tmp):
        self.kg, self.tmp = kgpert, tmp
        self.d = os.path.join(tmp, "d")  # the good dataset
        self.f = os.path.join(tmp, "f")  # the bad and odd files
        self.out = os.path.join(tmp, "out")  # where the cases write (must stay empty)
        for p in (self.d, self.f, self.out):
            os.makedirs(p)
        self.cases = []

    # ---- the good dataset -----------------------------------------------------------------
    def build(self):
        kg, d = self.kg, self.d
        raw = os.path.join(d, "raw")
        run([kg, "synth", "--config", CFG, "--out", raw])
        self.raw = raw
        run(self.ingest_cmd({}, os.path.join(d, "graph.h5"), os.path.join(d, "samples.h5")))
        run([kg, "split", "--config", CFG, "--samples", self.p("samples.h5"), "--out", self.p("split.h5")])
        run([kg, "partition", "--config", CFG, "--graph", self.p("graph.h5"), "--samples", self.p("samples.h5"),
             "--split", self.p("split.h5"), "--out", self.p("partition.h5")])
        run([kg, "train", "--config", CFG, "--set", "model=mlp", "--set", "train.epochs=1"] + self.data()
            + ["--out", self.p("run.h5")])
        run([kg, "report", "--config", CFG, "--out", self.p("report.h5"), self.p("run.h5")])
        shutil.copy(CFG, self.p("test.yaml"))
        # a second ingest of the same raw files: its samples.h5 is not d/graph.h5's pair
        other = os.path.join(self.tmp, "other")
        run(self.ingest_cmd({}, os.path.join(other, "graph.h5"), os.path.join(other, "samples.h5")))
        run([kg, "split", "--config", CFG, "--samples", os.path.join(other, "samples.h5"),
             "--out", os.path.join(self.f, "split_other_samples.h5")])
        # what was made from the other ingest: a partition (no split), a GAT run (explain reads GAT runs)
        run([kg, "partition", "--config", CFG, "--graph", os.path.join(other, "graph.h5"), "--samples",
             os.path.join(other, "samples.h5"), "--out", self.fx("partition_other_ingest.h5")])
        run([kg, "train", "--config", CFG, "--set", "model=gat", "--set", "train.epochs=1", "--graph",
             os.path.join(other, "graph.h5"), "--samples", os.path.join(other, "samples.h5"), "--split",
             self.fx("split_other_samples.h5"), "--out", self.fx("run_other_ingest.h5")])
        # a second split of d/samples.h5 (same config, so the same signatures, but another
        # split_generation) and a partition made with it
        run([kg, "split", "--config", CFG, "--samples", self.p("samples.h5"), "--out", os.path.join(other, "split.h5")])
        run([kg, "partition", "--config", CFG, "--graph", self.p("graph.h5"), "--samples", self.p("samples.h5"),
             "--split", os.path.join(other, "split.h5"), "--out", self.fx("partition_other_split.h5")])
        shutil.move(os.path.join(other, "samples.h5"), os.path.join(self.f, "samples_other_ingest.h5"))
        shutil.rmtree(other)

    def p(self, name):
        return os.path.join(self.d, name)

    def fx(self, name):
        return os.path.join(self.f, name)

    def o(self, name):
        return os.path.join(self.out, name)

    def data(self, **over):
        files = {"graph": self.p("graph.h5"), "samples": self.p("samples.h5"), "split": self.p("split.h5")}
        files.update(over)
        args = []
        for k, v in files.items():
            args += [f"--{k}", v]
        return args

    def ingest_inputs(self, over):
        raw = self.raw
        ins = {"kg_csv": f"{raw}/kg.csv", "gctx": f"{raw}/signatures.gctx", "sig_info": f"{raw}/sig_info.txt",
               "gene_info": f"{raw}/gene_info.txt", "cell_info": f"{raw}/cell_info.txt",
               "pert_info": f"{raw}/pert_info.txt", "drugbank_vocab": f"{raw}/drugbank_vocabulary.csv",
               "controls_gctx": f"{raw}/controls.gctx"}
        ins.update(over)
        args = []
        for k, v in ins.items():
            args += ["--set", f"inputs.{k}={v}"]
        return args

    def ingest_cmd(self, over, graph=None, samples=None):
        return ([self.kg, "ingest", "--config", CFG] + self.ingest_inputs(over)
                + ["--graph", graph or self.o("graph.h5"), "--samples", samples or self.o("samples.h5")])

    # ---- the table ------------------------------------------------------------------------
    def case(self, name, stage, cmd, needles, rc=1, log_lines=False):
        """log_lines: the stage may log progress before its error, which is then the last line."""
        self.cases.append((name, stage, cmd, needles, rc, log_lines))

    def stage_cmd(self, stage, *args, config=True):
        return [self.kg, stage] + (["--config", CFG] if config else []) + list(args)

    def make_fixtures(self):
        d, fx = self.d, self.fx
        os.mkfifo(fx("fifo"))
        os.mkdir(fx("dir"))
        os.link(self.p("samples.h5"), fx("samples_hardlink.h5"))
        os.symlink(self.p("samples.h5"), fx("samples_symlink.h5"))
        os.link(self.p("split.h5"), fx("split_hardlink.h5"))
        os.symlink(self.p("graph.h5"), fx("graph_symlink.h5"))
        os.symlink(f"{self.raw}/controls.gctx", fx("controls_symlink.gctx"))
        os.symlink(fx("loop_b"), fx("loop_a"))
        os.symlink(fx("loop_a"), fx("loop_b"))
        with open(fx("text.h5"), "w") as f:
            f.write("this is not HDF5\n")
        with open(self.p("samples.h5"), "rb") as f:
            data = f.read()
        with open(fx("truncated.h5"), "wb") as f:
            f.write(data[: len(data) // 2])
        # a config whose sidecar name (<stem>.config.yaml) is taken by the output s.h5
        shutil.copy(CFG, fx("s.config.yaml"))

        # controls GCTX with one NaN
        shutil.copy(f"{self.raw}/controls.gctx", fx("controls_nan.gctx"))
        with h5py.File(fx("controls_nan.gctx"), "r+") as h:
            m = h["0/DATA/0/matrix"]
            v = m[()]
            v[1, 2] = np.nan
            m[...] = v
        # level-5 GCTX with an Inf
        shutil.copy(f"{self.raw}/signatures.gctx", fx("signatures_inf.gctx"))
        with h5py.File(fx("signatures_inf.gctx"), "r+") as h:
            m = h["0/DATA/0/matrix"]
            v = m[()]
            v[0, 0] = np.inf
            m[...] = v
        # samples whose first gene is 3e38 in every profile: finite, but its square is not
        shutil.copy(self.p("samples.h5"), fx("samples_huge.h5"))
        with h5py.File(fx("samples_huge.h5"), "r+") as h:
            y = h["signatures/y"]
            v = y[()]
            v[:, 0] = 3e38
            y[...] = v
        shutil.copy(self.p("samples.h5"), fx("samples_copy.h5"))
        # embeddings with a NaN
        with h5py.File(fx("embeddings_nan.h5"), "w") as h:
            h["cell_line/ids"] = np.array([b"A", b"B"], dtype=object)
            h["cell_line/vectors"] = np.array([[1.0, 2.0], [np.nan, 0.0]], dtype=np.float32)

        # sig_info with a bad dose or time on the first trt_cp row
        sig = f"{self.raw}/sig_info.txt"
        self.sig_line = first_line_of(sig)
        with open(sig) as f:
            self.sig_header = f.readline().rstrip("\n").split("\t")

        def sig_variant(name, **cols):
            with open(sig) as f:
                lines = f.read().splitlines()
            h = lines[0].split("\t")
            row = lines[self.sig_line - 1].split("\t")
            for k, v in cols.items():
                row[h.index(k)] = v
            lines[self.sig_line - 1] = "\t".join(row)
            with open(fx(name), "w") as f:
                f.write("\n".join(lines) + "\n")

        sig_variant("dose_word.txt", pert_dose="ten")
        sig_variant("dose_unit.txt", pert_dose_unit="mg/mL")
        sig_variant("dose_negative.txt", pert_dose="-5")
        sig_variant("dose_inf.txt", pert_dose="inf")
        sig_variant("dose_no_unit.txt", pert_dose_unit="-666")
        sig_variant("time_word.txt", pert_time="soon")
        sig_variant("time_unit.txt", pert_time_unit="fortnight")
        sig_variant("time_negative.txt", pert_time="-24")
        sig_variant("idose_word.txt", pert_dose="-666", pert_idose="ten uM")
        sig_variant("idose_unit.txt", pert_dose="-666", pert_idose="10 mg/mL")
        sig_variant("itime_word.txt", pert_time="-666", pert_itime="a day")
        # gene_info with a landmark gene twice
        with open(f"{self.raw}/gene_info.txt") as f:
            lines = f.read().splitlines()
        with open(fx("gene_info_dup.txt"), "w") as f:
            f.write("\n".join(lines[:3] + [lines[1]] + lines[3:]) + "\n")
        # kg.csv: a short line, and a header only
        with open(f"{self.raw}/kg.csv") as f:
            lines = f.read().splitlines()
        with open(fx("kg_short.csv"), "w") as f:
            f.write("\n".join(lines[:5] + ["drug_protein,carrier,1"] + lines[6:]) + "\n")
        with open(fx("empty.csv"), "w") as f:
            pass
        with open(fx("kg_header_only.csv"), "w") as f:
            f.write(lines[0] + "\n")
        with open(f"{self.raw}/kg.csv", newline="") as f:
            rows = list(csv.reader(f))
        rows[1][2] = "-1"  # x_index of line 2
        with open(fx("kg_negative.csv"), "w", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
        # kg.csv with its second data row repeated and a self-loop row added
        with open(f"{self.raw}/kg.csv", newline="") as f:
            rows = list(csv.reader(f))
        with open(fx("kg_repeated.csv"), "w", newline="") as f:
            loop = list(rows[1])
            loop[7:12] = loop[2:7]  # y = x
            csv.writer(f, lineterminator="\n").writerows(rows[:3] + [rows[2], loop] + rows[3:])
        # cell_info: a header only, and without the first cell line of the signatures
        with open(f"{self.raw}/cell_info.txt") as f:
            lines = f.read().splitlines()
        with open(fx("cell_info_header.txt"), "w") as f:
            f.write(lines[0] + "\n")
        with open(fx("cell_info_short.txt"), "w") as f:
            f.write("\n".join(lines[:1] + lines[2:]) + "\n")
        # the level-5 signatures copied as the controls file
        shutil.copy(f"{self.raw}/signatures.gctx", fx("level5_copy.gctx"))
        # configs: a section given a value, a key given twice
        with open(fx("section_value.yaml"), "w") as f:
            f.write("dataset: x\ntrain: 5\n")
        with open(fx("key_twice.yaml"), "w") as f:
            f.write("dataset: x\ntrain:\n  epochs: 3\n  epochs: 4\n")
        # a run of "another dataset": its provenance names samples with another checksum (and
        # another seed, so that it is not the same run)
        shutil.copy(self.p("run.h5"), fx("run_other_data.h5"))
        with h5py.File(fx("run_other_data.h5"), "r+") as h:
            lines = h.attrs["inputs"]
            lines = (lines.decode() if isinstance(lines, bytes) else lines).split("\n")
            path, size, _ = lines[1].split("\t")
            lines[1] = "\t".join([path, size, "xxh3:0123456789abcdef"])
            h.attrs["inputs"] = "\n".join(lines)
            h.attrs["seed"] = 99
        # a 253-byte output name: legal (NAME_MAX 255); its temporary name must fit too
        self.long_name = "x" * 250 + ".h5"

    def table(self):
        kg, p, fx, o = self.kg, self.p, self.fx, self.o
        S = self.stage_cmd
        data = self.data
        # 1. An output that is an input, or two outputs that are one file: refused before reading.
        self.case("split --out is --samples", "split", S("split", "--samples", p("samples.h5"), "--out", p("samples.h5")),
                  ['--out "', "is the input given as --samples"])
        self.case("split --out is a hard link of --samples", "split",
                  S("split", "--samples", p("samples.h5"), "--out", fx("samples_hardlink.h5")),
                  ["is the input given as --samples"])
        self.case("split --out is a symlink to --samples", "split",
                  S("split", "--samples", p("samples.h5"), "--out", fx("samples_symlink.h5")),
                  ["is the input given as --samples"])
        self.case("split --out is --samples through ..", "split",
                  S("split", "--samples", p("samples.h5"), "--out", os.path.join(self.d, "raw", "..", "samples.h5")),
                  ["is the input given as --samples"])
        self.case("split --out is --config", "split",
                  [kg, "split", "--config", p("test.yaml"), "--samples", p("samples.h5"), "--out", p("test.yaml")],
                  ["is the input given as --config"])
        self.case("split's config sidecar is --config", "split",
                  [kg, "split", "--config", fx("s.config.yaml"), "--samples", p("samples.h5"), "--out", fx("s.h5")],
                  ["the config written beside --out", "is the input given as --config"])
        self.case("partition --out is --graph", "partition",
                  S("partition", "--graph", p("graph.h5"), "--samples", p("samples.h5"), "--out", p("graph.h5")),
                  ["is the input given as --graph"])
        self.case("partition --out is --split (hard link)", "partition",
                  S("partition", "--graph", p("graph.h5"), "--samples", p("samples.h5"), "--split", p("split.h5"),
                    "--out", fx("split_hardlink.h5")),
                  ["is the input given as --split"])
        self.case("train --out is --graph", "train", S("train", *data(), "--out", p("graph.h5")),
                  ["is the input given as --graph"])
        self.case("train --out is a symlink to --graph", "train", S("train", *data(), "--out", fx("graph_symlink.h5")),
                  ["is the input given as --graph"])
        self.case("train --out is --split", "train", S("train", *data(), "--out", p("split.h5")),
                  ["is the input given as --split"])
        self.case("train --out is --partition", "train",
                  S("train", *data(), "--partition", p("partition.h5"), "--out", p("partition.h5")),
                  ["is the input given as --partition"])
        self.case("report --out is its run", "report", S("report", "--out", p("run.h5"), p("run.h5")),
                  ["is the input given as argument 1"])
        self.case("report --out is its --python-env", "report",
                  S("report", "--python-env", p("test.yaml"), "--out", p("test.yaml"), p("run.h5")),
                  ["is the input given as --python-env"])
        self.case("compare --out is its report", "compare",
                  S("compare", p("report.h5"), "--out", p("report.h5"), config=False),
                  ["is the input given as argument 1"])
        self.case("ingest --graph is inputs.kg_csv", "ingest",
                  self.ingest_cmd({}, graph=f"{self.raw}/kg.csv"), ["is the input given as inputs.kg_csv"])
        self.case("ingest --samples is inputs.gctx", "ingest",
                  self.ingest_cmd({}, samples=f"{self.raw}/signatures.gctx"), ["is the input given as inputs.gctx"])
        self.case("ingest --graph is a symlink to inputs.controls_gctx", "ingest",
                  self.ingest_cmd({}, graph=fx("controls_symlink.gctx")), ["is the input given as inputs.controls_gctx"])
        self.case("ingest --graph and --samples are one file", "ingest",
                  self.ingest_cmd({}, graph=o("g.h5"), samples=o("g.h5")), ["--samples", "is the same file as --graph"])
        self.case("ingest outputs whose config files collide", "ingest",
                  self.ingest_cmd({}, graph=o("g.h5"), samples=o("g.hdf5")),
                  ["the config written beside --samples", "is the same file as the config written beside --graph"])
        self.case("split --out is a directory", "split", S("split", "--samples", p("samples.h5"), "--out", fx("dir")),
                  ["is a directory; give the name of the file"])
        self.case("synth --out is a file", "synth", S("synth", "--out", p("samples.h5")),
                  ["exists and is not a directory"])
        self.case("explain --out is a file", "explain",
                  S("explain", "--run", p("run.h5"), "--drug", "x", "--cell", "y", "--out", p("run.h5"), config=False),
                  ["exists and is not a directory"])
        self.case("split --out under a file", "split",
                  S("split", "--samples", p("samples.h5"), "--out", os.path.join(p("samples.h5"), "x.h5")),
                  ["a component of the path is a file"])

        # 2. Inputs that are the same file, or not regular files (never opened: no hang).
        self.case("train --samples is --graph", "train", S("train", *data(samples=p("graph.h5")), "--out", o("r.h5")),
                  ['--samples "', "is the same file as --graph"])
        self.case("partition --graph is --samples", "partition",
                  S("partition", "--graph", p("samples.h5"), "--samples", p("samples.h5"), "--out", o("p.h5")),
                  ["is the same file as --graph"])
        self.case("report given one run twice", "report", S("report", "--out", o("r.h5"), p("run.h5"), p("run.h5")),
                  ["argument 2", "is the same file as argument 1"])
        self.case("ingest inputs.controls_gctx is inputs.gctx", "ingest",
                  self.ingest_cmd({"controls_gctx": f"{self.raw}/signatures.gctx"}),
                  ["inputs.controls_gctx", "is the same file as inputs.gctx"])
        self.case("split --samples is a FIFO", "split", S("split", "--samples", fx("fifo"), "--out", o("s.h5")),
                  ['--samples "', "is a FIFO, not a regular file"])
        self.case("split --samples is a directory", "split", S("split", "--samples", fx("dir"), "--out", o("s.h5")),
                  ["--samples", "is a directory"])
        self.case("split --samples is /dev/null", "split", S("split", "--samples", "/dev/null", "--out", o("s.h5")),
                  ["is a character device"])
        self.case("train --graph is a FIFO", "train", S("train", *data(graph=fx("fifo")), "--out", o("r.h5")),
                  ["--graph", "is a FIFO"])
        self.case("train --split is a directory", "train", S("train", *data(split=fx("dir")), "--out", o("r.h5")),
                  ["--split", "is a directory"])
        self.case("ingest inputs.kg_csv is a FIFO", "ingest", self.ingest_cmd({"kg_csv": fx("fifo")}),
                  ["inputs.kg_csv", "is a FIFO"])
        self.case("ingest inputs.gctx is a directory", "ingest", self.ingest_cmd({"gctx": fx("dir")}),
                  ["inputs.gctx", "is a directory"])
        self.case("ingest inputs.sig_info is /dev/zero", "ingest", self.ingest_cmd({"sig_info": "/dev/zero"}),
                  ["inputs.sig_info", "is a character device"])
        self.case("ingest inputs.embeddings is a FIFO", "ingest", self.ingest_cmd({"embeddings": fx("fifo")}),
                  ["inputs.embeddings", "is a FIFO"])
        self.case("report's run is a FIFO", "report", S("report", "--out", o("r.h5"), fx("fifo")),
                  ["argument 1", "is a FIFO"])
        self.case("report --python-env is a directory", "report",
                  S("report", "--python-env", fx("dir"), "--out", o("r.h5"), p("run.h5")),
                  ["--python-env", "is a directory"])
        self.case("report --python-env missing", "report",
                  S("report", "--python-env", fx("nowhere.txt"), "--out", o("r.h5"), p("run.h5")),
                  ['--python-env "', "nowhere.txt", "cannot open: No such file or directory"])
        self.case("compare's report is a directory", "compare", S("compare", fx("dir"), config=False),
                  ["argument 1", "is a directory"])
        self.case("explain --run is a FIFO", "explain",
                  S("explain", "--run", fx("fifo"), "--drug", "x", "--cell", "y", config=False), ["--run", "is a FIFO"])
        self.case("--config is a FIFO", "split", [kg, "split", "--config", fx("fifo"), "--samples", p("samples.h5"),
                                                  "--out", o("s.h5")], ["--config", "is a FIFO"])
        self.case("--config is a directory", "split", [kg, "split", "--config", fx("dir"), "--samples",
                                                       p("samples.h5"), "--out", o("s.h5")], ["--config", "is a directory"])
        self.case("--config is missing", "split", [kg, "split", "--config", fx("nowhere.yaml"), "--samples",
                                                   p("samples.h5"), "--out", o("s.h5")], ["--config", "no such file"])
        self.case("input is a symlink loop", "split", S("split", "--samples", fx("loop_a"), "--out", o("s.h5")),
                  ["--samples", "cannot look at it"])
        self.case("input under a file", "split",
                  S("split", "--samples", os.path.join(p("split.h5"), "s.h5"), "--out", o("s.h5")),
                  ["a component of the path is a file"])
        self.case("split --samples missing", "split", S("split", "--samples", fx("nowhere.h5"), "--out", o("s.h5")),
                  ["nowhere.h5", "no such file"])
        self.case("no arguments", "", [kg], ["usage: kgpert <command>"], rc=2)
        self.case("unknown command", "", [kg, "fly"], ['unknown command "fly"'], rc=2)

        # 3. Wrong, truncated or malformed files.
        self.case("split --samples is text", "split", S("split", "--samples", fx("text.h5"), "--out", o("s.h5")),
                  ["not an HDF5 file"])
        self.case("split --samples is truncated", "split", S("split", "--samples", fx("truncated.h5"), "--out", o("s.h5")),
                  ["truncated.h5"])
        self.case("train --graph is a samples file", "train",
                  S("train", *data(graph=fx("samples_copy.h5")), "--out", o("r.h5")),
                  ["samples_copy.h5"])
        self.case("split --samples is a graph", "split", S("split", "--samples", p("graph.h5"), "--out", o("s.h5")),
                  ["not a kgpert samples file"])
        self.case("partition --split is a run", "partition",
                  S("partition", "--graph", p("graph.h5"), "--samples", p("samples.h5"), "--split", p("run.h5"),
                    "--out", o("p.h5")), ["not a kgpert split file"])
        self.case("train --split is a partition", "train", S("train", *data(split=p("partition.h5")), "--out", o("r.h5")),
                  ['split "', "not a kgpert split file"])
        self.case("report's run is a graph", "report", S("report", "--out", o("r.h5"), p("graph.h5")),
                  ['run "', "not a kgpert run file"])
        self.case("compare's report is a graph", "compare", S("compare", p("graph.h5"), config=False),
                  ["not a kgpert report"])
        self.case("explain --run is a graph", "explain",
                  S("explain", "--run", p("graph.h5"), "--drug", "x", "--cell", "y", config=False), ["not a kgpert run"])
        self.case("train --partition is --split", "train",
                  S("train", *data(), "--partition", p("split.h5"), "--out", o("r.h5")),
                  ["--partition", "is the same file as --split"])
        self.case("train: samples.h5 of another ingest", "train",
                  S("train", *data(samples=fx("samples_other_ingest.h5")), "--out", o("r.h5")),
                  ['samples "', "samples_other_ingest.h5", "was not written by the ingest that wrote graph"])
        self.case("partition: samples.h5 of another ingest", "partition",
                  S("partition", "--graph", p("graph.h5"), "--samples", fx("samples_other_ingest.h5"), "--out", o("p.h5")),
                  ["was not written by the ingest that wrote graph"])
        self.case("train: split of other samples", "train",
                  S("train", *data(split=fx("split_other_samples.h5")), "--out", o("r.h5")),
                  ['split "', "split_other_samples.h5", "was made from other samples than", "run kgpert split"])
        self.case("partition: split of other samples", "partition",
                  S("partition", "--graph", p("graph.h5"), "--samples", p("samples.h5"), "--split",
                    fx("split_other_samples.h5"), "--out", o("p.h5")), ["was made from other samples than"])
        self.case("train --partition: a partition of another ingest", "train",
                  S("train", *data(), "--partition", fx("partition_other_ingest.h5"), "--out", o("r.h5")),
                  ['partition "', "partition_other_ingest.h5", "was made from another ingest than graph",
                   p("graph.h5"), "its ingest_generation", "run kgpert partition on this graph and split"])
        self.case("train --partition: a partition of another split", "train",
                  S("train", *data(), "--partition", fx("partition_other_split.h5"), "--out", o("r.h5")),
                  ['partition "', "partition_other_split.h5", "was made from another split than",
                   p("split.h5"), "its split_generation"])
        self.case("explain: a run of another ingest", "explain",
                  S("explain", "--run", fx("run_other_ingest.h5"), "--graph", p("graph.h5"), "--samples",
                    p("samples.h5"), "--drug", "x", "--cell", "y", config=False),
                  ['run "', "run_other_ingest.h5", "was made from another ingest than graph", p("graph.h5"),
                   "pass the --graph and --samples of the ingest it was trained on"])
        self.case("report: runs of two datasets", "report",
                  S("report", "--out", o("r.h5"), p("run.h5"), fx("run_other_data.h5")),
                  ['run "', "run_other_data.h5", "was trained on other data than run", "its samples",
                   "xxh3:0123456789abcdef", "--allow-mixed"])
        self.case("report --allow-mixed: runs of two datasets", "report",
                  S("report", "--allow-mixed", "--out", o("r.h5"), p("run.h5"), fx("run_other_data.h5")), [], rc=0)
        self.case("train --graph is a hard link of --samples", "train",
                  S("train", *data(graph=fx("samples_hardlink.h5")), "--out", o("r.h5")),
                  ["--samples", "is the same file as --graph"])
        self.case("kg.csv short line", "ingest", self.ingest_cmd({"kg_csv": fx("kg_short.csv")}), ["line 6"])
        self.case("kg.csv empty", "ingest", self.ingest_cmd({"kg_csv": fx("empty.csv")}), ["empty.csv"])
        self.case("kg.csv header only", "ingest", self.ingest_cmd({"kg_csv": fx("kg_header_only.csv")}),
                  ["kg_header_only.csv", "a header and no edge"])
        self.case("kg.csv negative x_index", "ingest", self.ingest_cmd({"kg_csv": fx("kg_negative.csv")}),
                  ["kg_negative.csv", "line 2: x_index -1 is negative"])
        self.case("unknown option", "split", S("split", "--samples", p("samples.h5"), "--bogus", "1"),
                  ["unknown option --bogus"])
        self.case("missing --out", "split", S("split", "--samples", p("samples.h5")), ["missing required option --out"])
        self.case("config section given a value", "split",
                  [kg, "split", "--config", fx("section_value.yaml"), "--samples", p("samples.h5"), "--out", o("s.h5")],
                  ["section_value.yaml", 'line 2: "train" is a section'])
        self.case("config key given twice", "split",
                  [kg, "split", "--config", fx("key_twice.yaml"), "--samples", p("samples.h5"), "--out", o("s.h5")],
                  ["key_twice.yaml", 'line 4: key "train.epochs" given twice (first on line 3)'])
        self.case("unknown --set key", "split", S("split", "--set", "train.bogus=1", "--samples", p("samples.h5"),
                                                   "--out", o("s.h5")), ["train.bogus"])

        # 4. Numbers: non-finite values, doses and times with their units, a repeated gene.
        self.case("controls GCTX with a NaN", "ingest", self.ingest_cmd({"controls_gctx": fx("controls_nan.gctx")}),
                  ["controls GCTX", "controls_nan.gctx", "/0/DATA/0/matrix", "must be finite"])
        self.case("level-5 GCTX with an Inf", "ingest", self.ingest_cmd({"gctx": fx("signatures_inf.gctx")}),
                  ["signatures_inf.gctx", "must be finite"])
        self.case("embeddings with a NaN", "ingest", self.ingest_cmd({"embeddings": fx("embeddings_nan.h5")}),
                  ["embeddings_nan.h5", "cell_line/vectors", "non-finite", '"B"'])
        line = f"line {self.sig_line}"
        col = lambda name: f"column {self.sig_header.index(name) + 1} ({name})"  # noqa: E731
        for fname, needles in [
            ("dose_word.txt", [col("pert_dose"), '"ten" is not a number']),
            ("dose_unit.txt", [col("pert_dose"), 'pert_dose_unit "mg/mL" is not a molar concentration']),
            ("dose_negative.txt", [col("pert_dose"), '"-5" is negative']),
            ("dose_inf.txt", [col("pert_dose"), "not a finite number"]),
            ("dose_no_unit.txt", [col("pert_dose"), "has no unit"]),
            ("time_word.txt", [col("pert_time"), '"soon" is not a number']),
            ("time_unit.txt", [col("pert_time"), 'pert_time_unit "fortnight" is not a duration']),
            ("time_negative.txt", [col("pert_time"), '"-24" is negative']),
            ("idose_word.txt", [col("pert_idose"), '"ten uM"']),
            ("idose_unit.txt", [col("pert_idose"), 'unit "mg/mL" is not a molar concentration']),
            ("itime_word.txt", [col("pert_itime"), '"a day"']),
        ]:
            self.case(f"sig_info {fname[:-4]}", "ingest", self.ingest_cmd({"sig_info": fx(fname)}),
                      ["sig_info", fname, line] + needles)
        self.case("gene_info lists a gene twice", "ingest", self.ingest_cmd({"gene_info": fx("gene_info_dup.txt")}),
                  ["gene_info_dup.txt", "line 4", "listed twice", "first on line 2"])
        self.case("ingest.cell_lines selects nothing", "ingest",
                  self.ingest_cmd({}) + ["--set", "ingest.cell_lines=[NOPE]"],
                  ["ingest.cell_lines [NOPE]", "select none of the"])
        self.case("ingest.doses selects nothing", "ingest", self.ingest_cmd({}) + ["--set", "ingest.doses=[999]"],
                  ["ingest.doses [999]", "select none of the"])
        # 5. Duplicates and inconsistencies (docs/FORMATS.md): errors, or merged with a count.
        self.case("controls GCTX is a level-5 file", "ingest", self.ingest_cmd({"controls_gctx": fx("level5_copy.gctx")}),
                  ["controls GCTX", "level5_copy.gctx", "has pert_type ctl_vehicle"])
        self.case("cell_info header only", "ingest", self.ingest_cmd({"cell_info": fx("cell_info_header.txt")}),
                  ["cell_info", "cell_info_header.txt", "a header and no cell line"])
        self.case("kg.csv repeated row and self-loop (merged, counted)", "ingest",
                  self.ingest_cmd({"kg_csv": fx("kg_repeated.csv")}),
                  ["kg_repeated.csv", ": 1 repeated edges merged, 1 self-loop rows kept"], rc=0)
        self.case("cell line absent from cell_info (counted)", "ingest",
                  self.ingest_cmd({"cell_info": fx("cell_info_short.txt")}),
                  ["ingest: 1 of", "cell lines are not in cell_info", "cell_info_short.txt"], rc=0)
        self.case("training loss becomes non-finite", "train",
                  S("train", "--set", "model=mlp", *data(samples=fx("samples_huge.h5")), "--out", o("r.h5")),
                  ["the training loss became inf at epoch 1, step 1 of", "no run written"], log_lines=True)

    # ---- running ----------------------------------------------------------------------------
    def run_case(self, name, stage, cmd, needles, rc, log_lines):
        before = snapshot(self.tmp)
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, cwd=self.out)
        except subprocess.TimeoutExpired:
            return [f"did not end within {TIMEOUT} s (blocked?)"]
        errs = []
        lines = r.stderr.splitlines()
        err = lines[-1] if log_lines and lines else r.stderr.rstrip("\n")
        self.last_message = err
        if r.returncode != rc:
            errs.append(f"exit status {r.returncode}, want {rc}")
        if stage and rc != 0:
            if len(lines) != 1 and not log_lines:
                errs.append("stderr is not one line")
            if sum(line.startswith("kgpert ") for line in lines) != 1:
                errs.append('stderr has not exactly one line "kgpert ..."')
            if not err.startswith(f"kgpert {stage}: "):
                errs.append(f'stderr does not start with "kgpert {stage}: "')
        for n in needles:
            if n not in err:
                errs.append(f"stderr lacks {n!r}")
        changes = diff(before, snapshot(self.tmp))
        if rc == 0:  # a warning case: its outputs (only) appear, and are removed for the next case
            changes = [c for c in changes if not c.startswith("created out" + os.sep)]
            for name in os.listdir(self.out):
                os.remove(os.path.join(self.out, name))
        errs += changes
        if errs:
            errs[0] += f"\n    stderr: {err}"
        return errs

    def long_name_case(self):
        """A 253-byte output name is legal: split writes it (its temporary name fits)."""
        out = self.o(self.long_name)
        r = subprocess.run(self.stage_cmd("split", "--samples", self.p("samples.h5"), "--out", out),
                           capture_output=True, text=True, timeout=TIMEOUT, cwd=self.out)
        left = sorted(os.listdir(self.out))
        errs = []
        if r.returncode != 0:
            errs.append(f"exit status {r.returncode}: {r.stderr.strip()}")
        if left != [self.long_name]:
            errs.append(f"files left: {left}")
        for name in left:
            os.remove(os.path.join(self.out, name))
        return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kgpert")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("-k", default="")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="kgpert-bad-inputs-")
    try:
        s = Suite(os.path.abspath(a.kgpert), tmp)
        s.build()
        s.make_fixtures()
        s.table()
        failed = 0
        ran = 0
        for name, stage, cmd, needles, rc, log_lines in s.cases:
            if a.k and a.k not in name:
                continue
            ran += 1
            errs = s.run_case(name, stage, cmd, needles, rc, log_lines)
            if errs:
                failed += 1
                print(f"FAIL: {name}: " + "\n    ".join(errs))
            else:
                msg = s.last_message.replace(tmp, "$TMP").replace("\n", " ")
                print(f"ok: {name}: {msg}")
        if not a.k or a.k in "long output name":
            ran += 1
            errs = s.long_name_case()
            if errs:
                failed += 1
                print("FAIL: 253-byte output name: " + "; ".join(errs))
            else:
                print("ok: 253-byte output name")
        print(f"bad_inputs: {ran - failed} passed, {failed} failed")
        return 1 if failed else 0
    finally:
        if a.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
