// The planted training problem shared by the trainer and checkpoint tests: expression is a
// fixed function of the drug's protein targets in a small hand-built graph.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "graph/partition_file.hpp"
#include "train/trainer.hpp"

namespace kg::planted {

constexpr int kDrugs = 60, kProteins = 12, kCells = 4, kGenes = 20;

// Drugs 0..59, proteins 60..71 (one-hot features), cells 72..75 (one-hot features). Drug d
// targets proteins d % 12 and (5d + 3) % 12 ("drug_protein" both ways). Drug features are a
// 3-dim code of the drug id that says nothing about its targets. One signature per (drug, cell):
//   y[g] = Σ_{p ∈ targets(d)} sin(1.7 p + 0.9 g) + 0.5 cos(2.1 c + 0.4 g) + 0.1 sin(13.7 s + 3.1 g)
struct Planted {
  Graph g;
  Samples s;
  Split split;

  static std::vector<int> targets(int d) { return {d % kProteins, (5 * d + 3) % kProteins}; }

  Planted() {
    const int drug = node_type_index("drug"), prot = node_type_index("gene/protein"),
              cell = node_type_index("cell_line");
    g.relation_names = {"drug_protein"};
    g.features.resize(node_type_names().size());
    auto add_nodes = [&](int type, int n, int dim) {
      for (int i = 0; i < n; ++i) {
        g.node_type.push_back(type), g.local_index.push_back(i);
        g.node_id.push_back(std::to_string(g.node_id.size()));
        g.node_name.push_back("n"), g.node_source.push_back("test");
      }
      g.features[size_t(type)] = {std::vector<float>(size_t(n * dim)), n, dim};
    };
    add_nodes(drug, kDrugs, 3);
    add_nodes(prot, kProteins, kProteins);
    add_nodes(cell, kCells, kCells);
    for (int d = 0; d < kDrugs; ++d)
      for (int k = 0; k < 3; ++k) g.features[size_t(drug)].row(d)[k] = float(std::sin(0.7 * d + 2.0 * k));
    for (int p = 0; p < kProteins; ++p) g.features[size_t(prot)].row(p)[p] = 1;
    for (int c = 0; c < kCells; ++c) g.features[size_t(cell)].row(c)[c] = 1;
    std::vector<int32_t> src, dst, rel;
    for (int d = 0; d < kDrugs; ++d)
      for (int p : targets(d)) {
        src.push_back(d), dst.push_back(kDrugs + p), rel.push_back(0);
        src.push_back(kDrugs + p), dst.push_back(d), rel.push_back(0);
      }
    Graph::build_csr(g.num_nodes(), dst, src, rel, g.indptr);
    g.src = src, g.rel = rel;
    g.validate("planted graph");

    for (int k = 0; k < kGenes; ++k)
      s.gene_id.push_back("g" + std::to_string(k)), s.gene_symbol.push_back("G"), s.gene_node.push_back(-1);
    for (int d = 0; d < kDrugs; ++d) {
      s.drug_pert_id.push_back("BRD-" + std::to_string(d)), s.drug_name.push_back("d");
      s.drug_smiles.push_back(""), s.drug_match.push_back("new"), s.drug_node.push_back(d);
    }
    for (int c = 0; c < kCells; ++c) s.cell_id.push_back("c" + std::to_string(c)), s.cell_node.push_back(kDrugs + kProteins + c);
    s.y.cols = kGenes;
    for (int d = 0; d < kDrugs; ++d)
      for (int c = 0; c < kCells; ++c) {
        const int i = int(s.sig_id.size());
        s.sig_id.push_back("sig" + std::to_string(i)), s.sig_drug.push_back(d), s.sig_cell.push_back(c);
        s.dose_um.push_back(10), s.time_h.push_back(24);
        for (int k = 0; k < kGenes; ++k) {
          double v = 0.5 * std::cos(2.1 * c + 0.4 * k) + 0.1 * std::sin(13.7 * i + 3.1 * k);
          for (int p : targets(d)) v += std::sin(1.7 * p + 0.9 * k);
          s.y.data.push_back(float(v));
        }
        ++s.y.rows;
      }
    s.validate("planted samples", g.num_nodes());
    // Held-out drugs: validation and test drugs are never seen in training, so a model must
    // read their targets (the multi-hot, or the graph) rather than remember the drug.
    split.kind = "cold_drug";
    for (int64_t i = 0; i < s.num_signatures(); ++i) {
      const int64_t d = s.sig_drug[size_t(i)];
      (d % 5 == 0 ? split.val : d % 5 == 1 ? split.test : split.train).push_back(i);
    }
  }

  // Validation Pearson of predicting the mean training row for every signature: the bar a
  // model that ignores the drug would reach.
  double mean_predictor_val_pearson() const {
    std::vector<float> mean(kGenes, 0), pred, truth;
    for (auto i : split.train)
      for (int k = 0; k < kGenes; ++k) mean[size_t(k)] += s.y.row(i)[k] / float(split.train.size());
    for (auto i : split.val) {
      pred.insert(pred.end(), mean.begin(), mean.end());
      truth.insert(truth.end(), s.y.row(i), s.y.row(i) + kGenes);
    }
    return mean_row_pearson(pred.data(), truth.data(), int64_t(split.val.size()), kGenes);
  }
};

inline Config small_config(const std::string& model) {
  Config c;
  c.model = model;
  c.threads = 1;
  c.gat.hidden = 32, c.gat.heads = 2, c.gat.layers = 2, c.gat.head_hidden = 64;
  c.gat.dropout = 0.0, c.gat.attn_dropout = 0.0, c.gat.rel_dim = 4;
  c.mlp.hidden = 64, c.mlp.layers = 2, c.mlp.dropout = 0.0;
  c.train.epochs = 150, c.train.batch_size = 32, c.train.lr = 3e-3, c.train.patience = 20;
  c.train.seed = 1;
  return c;
}

// The GAT with proteins carrying the programs (a drug's mix: its two targets) started from the
// ridge fit, at a learning rate so large that every epoch is worse than the start.
inline Config fitted_start_config() {
  Config c = small_config("gat");
  c.gat.decoder = "programs", c.gat.program_types = {"gene/protein"}, c.gat.program_init = "ridge";
  c.train.lr = 0.3, c.train.patience = 3, c.train.epochs = 10;
  return c;
}

inline double metric(const MetricList& m, const std::string& name) {
  for (const auto& [n, v] : m)
    if (n == name) return v;
  ADD_FAILURE() << "no metric " << name;
  return 0;
}

// partition.h5 of the given parts of `g` as `kgpert partition` lays it out (graph/partition_file):
// every node's work `work` (1 each when empty), each part's `hops`-layer halo.
inline void write_partition_h5(const std::string& path, const Graph& g, const std::vector<int32_t>& part,
                               int64_t parts, std::vector<int64_t> work = {}, int64_t hops = 1) {
  if (work.empty()) work.assign(part.size(), 1);
  Partition p;
  p.parts = parts;
  p.part = part;
  p.part_weight.assign(size_t(parts), 0);
  p.part_nodes.assign(size_t(parts), 0);
  for (size_t v = 0; v < part.size(); ++v) p.part_weight[size_t(part[v])] += work[v], ++p.part_nodes[size_t(part[v])];
  h5::Writer w(path);
  write_partition(w, partition_file(p, std::move(work), part_halos(g, part, parts, hops), hops, 0));
  w.commit();
}

struct Killed {};  // thrown by the progress callback to stop a run as a kill would

// A run of `c` stopped after epoch `kill_after` as a kill would, its checkpoint left behind.
inline void run_until_killed(const Config& c, const Planted& p, const RunOptions& ckpt, int64_t kill_after) {
  EXPECT_THROW(train_model(c, p.g, p.s, p.split,
                           [&](const EpochLog& e) {
                             if (e.epoch == kill_after) throw Killed{};
                           },
                           ckpt),
               Killed);
  ASSERT_TRUE(std::filesystem::exists(ckpt.path));
}

}  // namespace kg::planted
