// The demo's generative model (the planted signal is specified in synth/world.hpp).
#include "synth/world.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.hpp"
#include "synth/rng.hpp"

namespace kg::synth {
namespace {

// Independent random streams, one per part of the model.
enum Stream : uint64_t { kPathways = 1, kPpi, kTargets, kInKg, kCells, kProfiles, kSigs, kNoise, kControls, kGroups };


bool member(const World& w, int32_t g, int32_t p) {
  const auto& ps = w.gene_pathways[g];
  return std::find(ps.begin(), ps.end(), p) != ps.end();
}

// Balanced primary pathways (landmarks and other genes each spread evenly), 30% get a second.
void assign_pathways(World& w, uint64_t seed) {
  Rng rng(seed, kPathways);
  int64_t P = w.n_pathways;
  w.gene_pathways.assign(size_t(w.n_genes), {});
  auto spread = [&](int64_t first, int64_t count) {
    std::vector<int32_t> order(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) order[i] = int32_t(first + i);
    rng.shuffle(order);
    for (int64_t i = 0; i < count; ++i) w.gene_pathways[order[i]].push_back(int32_t(i % P));
  };
  spread(0, w.n_landmarks);
  spread(w.n_landmarks, w.n_genes - w.n_landmarks);
  for (auto& ps : w.gene_pathways)
    if (P > 1 && rng.chance(0.3)) {
      int32_t q = int32_t(rng.below(P - 1));
      ps.push_back(q >= ps[0] ? q + 1 : q);
      std::sort(ps.begin(), ps.end());
    }
  w.pathway_genes.assign(size_t(P), {});
  for (int32_t g = 0; g < w.n_genes; ++g)
    for (int32_t p : w.gene_pathways[g]) w.pathway_genes[p].push_back(g);
  // A shallow Reactome-like hierarchy: the first quarter are top-level pathways.
  int64_t roots = std::max<int64_t>(1, P / 4);
  w.pathway_parent.assign(size_t(P), -1);
  for (int64_t p = roots; p < P; ++p) w.pathway_parent[p] = int32_t(rng.below(roots));
}

// ~1.5 undirected PPI edges per gene, 80% inside a shared pathway.
void make_ppi(World& w, uint64_t seed) {
  Rng rng(seed, kPpi);
  std::set<std::pair<int32_t, int32_t>> edges;
  int64_t want = (3 * w.n_genes) / 2;
  for (int64_t tries = 0; int64_t(edges.size()) < want && tries < 20 * want; ++tries) {
    int32_t a = int32_t(rng.below(w.n_genes)), b;
    if (rng.chance(0.8)) {
      const auto& ps = w.gene_pathways[a];
      const auto& members = w.pathway_genes[ps[size_t(rng.below(int64_t(ps.size())))]];
      b = members[size_t(rng.below(int64_t(members.size())))];
    } else {
      b = int32_t(rng.below(w.n_genes));
    }
    if (a == b) continue;
    edges.insert({std::min(a, b), std::max(a, b)});
  }
  w.ppi.assign(edges.begin(), edges.end());
  w.ppi_adj.assign(size_t(w.n_genes), {});
  for (auto [a, b] : w.ppi) {
    w.ppi_adj[a].push_back(b);
    w.ppi_adj[b].push_back(a);
  }
  for (auto& nb : w.ppi_adj) std::sort(nb.begin(), nb.end());
}

// Scaffold homes, latent targets, PrimeKG membership and the activation a_dp.
void make_compounds(World& w, const SynthConfig& cfg, const WorldShape& shape,
                    const std::vector<int32_t>& scaffold, const std::vector<Groups>& groups,
                    int32_t n_group_kinds) {
  Rng rng(cfg.seed, kTargets);
  int64_t K = cfg.n_scaffolds, P = w.n_pathways, D = int64_t(scaffold.size());
  std::vector<int32_t> homes(static_cast<size_t>(K));
  for (int64_t k = 0; k < K; ++k) homes[k] = int32_t(k % P);
  rng.shuffle(homes);
  w.scaffold_home = homes;
  w.compound_scaffold = scaffold;
  w.compound_targets.assign(size_t(D), {});
  for (int64_t d = 0; d < D; ++d) {
    KG_CHECK(scaffold[d] >= 0 && scaffold[d] < K, "compound {} scaffold {}", d, scaffold[d]);
    const auto& home = w.pathway_genes[homes[scaffold[d]]];
    int64_t n = std::min<int64_t>(rng.count(double(cfg.targets_per_drug), 1), w.n_genes);
    std::set<int32_t> t;
    while (int64_t(t.size()) < n) {
      if (rng.chance(shape.home_frac)) t.insert(home[size_t(rng.below(int64_t(home.size())))]);
      else t.insert(int32_t(rng.below(w.n_genes)));
    }
    w.compound_targets[d].assign(t.begin(), t.end());
  }
  Rng kg_rng(cfg.seed, kInKg);
  w.compound_in_kg.assign(size_t(D), 0);
  for (int64_t d = 0; d < D; ++d) w.compound_in_kg[d] = kg_rng.chance(cfg.primekg_drug_frac);

  w.activation = zeros(D, P);
  for (int64_t d = 0; d < D; ++d) {
    float* a = w.activation.row(d);
    const auto& ts = w.compound_targets[d];
    for (int32_t t : ts) {
      for (int32_t p : w.gene_pathways[t]) a[p] += 1.0f;
      const auto& nb = w.ppi_adj[t];
      for (int32_t n : nb)
        for (int32_t p : w.gene_pathways[n]) a[p] += float(shape.spill / double(nb.size()));
    }
    for (int64_t p = 0; p < P; ++p) a[p] /= float(ts.size());
  }

  // Substituent kinds act on one pathway each, independently of the targets.
  KG_CHECK(int64_t(groups.size()) == D, "{} compounds but {} substituent lists", D, groups.size());
  Rng group_rng(cfg.seed, kGroups);
  w.group_pathway.assign(size_t(std::max(n_group_kinds, 1)), -1);
  for (int32_t g = 1; g < n_group_kinds; ++g) w.group_pathway[size_t(g)] = int32_t(group_rng.below(P));
  w.compound_groups = groups;
  for (int64_t d = 0; d < D; ++d)
    for (int32_t g : groups[size_t(d)]) {
      KG_CHECK(g >= 0 && g < std::max(n_group_kinds, 1), "compound {} substituent kind {}", d, g);
      if (g > 0) w.activation.row(d)[w.group_pathway[size_t(g)]] += float(shape.group_weight);
    }
}

// v_p (response) and w_p (baseline shift) over the landmarks.
void make_profiles(World& w, uint64_t seed) {
  Rng rng(seed, kProfiles);
  int64_t P = w.n_pathways, L = w.n_landmarks;
  w.response = zeros(P, L);
  w.baseline_w = zeros(P, L);
  for (int64_t p = 0; p < P; ++p) {
    float* v = w.response.row(p);
    float* b = w.baseline_w.row(p);
    for (int32_t g : w.pathway_genes[p]) {
      if (g >= L) continue;
      v[g] = float((rng.chance(0.5) ? 1 : -1) * rng.uniform(0.6, 1.4));
      b[g] = float(rng.chance(0.5) ? 0.5 : -0.5);
    }
    for (int32_t g : w.pathway_genes[p])
      for (int32_t n : w.ppi_adj[g])
        if (n < L && v[n] == 0.0f && !member(w, n, int32_t(p))) v[n] = rng.chance(0.5) ? 0.3f : -0.3f;
  }
}

double rms(const float* v, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += double(v[i]) * v[i];
  return std::sqrt(s / double(std::max<int64_t>(n, 1)));
}

// Sensitivities s_cp and generic responses u_c (scaled to a typical v_p's RMS).
void make_cells(World& w, const SynthConfig& cfg) {
  Rng rng(cfg.seed, kCells);
  int64_t C = cfg.n_cells, P = w.n_pathways, L = w.n_landmarks;
  w.sensitivity = zeros(C, P);
  for (auto& s : w.sensitivity.data) s = float(std::max(0.0, 1.0 + 0.4 * rng.normal()));
  double v_rms = 0;
  for (int64_t p = 0; p < P; ++p) v_rms += rms(w.response.row(p), L) / double(P);
  std::vector<double> shared(static_cast<size_t>(L));
  for (auto& x : shared) x = rng.normal();
  w.generic = zeros(C, L);
  for (int64_t c = 0; c < C; ++c) {
    float* u = w.generic.row(c);
    for (int64_t g = 0; g < L; ++g) u[g] = float(0.6 * shared[g] + 0.8 * rng.normal());
    double scale = v_rms / std::max(rms(u, L), 1e-12);
    for (int64_t g = 0; g < L; ++g) u[g] = float(u[g] * scale);
  }
}

void make_signatures(World& w, const SynthConfig& cfg, const WorldShape& shape) {
  Rng rng(cfg.seed, kSigs);
  int64_t D = int64_t(w.compound_scaffold.size()), C = cfg.n_cells;
  w.signatures.clear();
  for (int64_t d = 0; d < D; ++d) {
    std::vector<int32_t> cells;
    for (int64_t c = 0; c < C; ++c)
      if (rng.chance(shape.cell_frac)) cells.push_back(int32_t(c));
    if (cells.empty()) cells.push_back(int32_t(rng.below(C)));
    for (int32_t c : cells)
      for (double dose : cfg.doses)
        for (double time : cfg.times) w.signatures.push_back({int32_t(d), c, dose, time});
  }
}

// y* = k amp (sum_p a_dp s_cp v_p + gw u_c); k normalises sd(y*) at amp 1 to 1.
void make_values(World& w, const SynthConfig& cfg, const WorldShape& shape) {
  int64_t S = int64_t(w.signatures.size()), L = w.n_landmarks, P = w.n_pathways;
  w.signal = zeros(S, L);
  double sum = 0, sum2 = 0;
  for (int64_t i = 0; i < S; ++i) {
    const auto& s = w.signatures[i];
    float* out = w.signal.row(i);
    const float* a = w.activation.row(s.drug);
    const float* sc = w.sensitivity.row(s.cell);
    for (int64_t p = 0; p < P; ++p) {
      float f = a[p] * sc[p];
      if (f == 0.0f) continue;
      const float* v = w.response.row(p);
      for (int64_t g = 0; g < L; ++g) out[g] += f * v[g];
    }
    const float* u = w.generic.row(s.cell);
    for (int64_t g = 0; g < L; ++g) {
      out[g] += float(shape.generic_weight) * u[g];
      sum += out[g];
      sum2 += double(out[g]) * out[g];
    }
  }
  double n = double(std::max<int64_t>(S * L, 1)), mean = sum / n;
  double k = 1.0 / std::sqrt(std::max(sum2 / n - mean * mean, 1e-12));
  Rng rng(cfg.seed, kNoise);
  w.y = zeros(S, L);
  for (int64_t i = 0; i < S; ++i) {
    float amp = float(k * amplitude(w.signatures[i].dose, w.signatures[i].time));
    float* sig = w.signal.row(i);
    float* y = w.y.row(i);
    for (int64_t g = 0; g < L; ++g) {
      sig[g] *= amp;
      y[g] = float(std::clamp(sig[g] + cfg.noise * rng.normal(), -10.0, 10.0));
    }
  }
}

void make_controls(World& w, const SynthConfig& cfg) {
  Rng rng(cfg.seed, kControls);
  int64_t C = cfg.n_cells, L = w.n_landmarks, P = w.n_pathways, R = cfg.n_controls;
  std::vector<double> mean(static_cast<size_t>(L));
  for (auto& m : mean) m = std::clamp(rng.normal(9.0, 1.8), 4.5, 13.5);
  w.controls = zeros(C * R, L);
  w.control_cell.clear();
  for (int64_t c = 0; c < C; ++c) {
    std::vector<double> base(mean);
    for (int64_t p = 0; p < P; ++p) {
      double s = w.sensitivity.row(c)[p];
      const float* b = w.baseline_w.row(p);
      for (int64_t g = 0; g < L; ++g) base[g] += s * b[g];
    }
    for (auto& x : base) x += rng.normal(0.0, 0.15);
    for (int64_t r = 0; r < R; ++r) {
      float* out = w.controls.row(c * R + r);
      for (int64_t g = 0; g < L; ++g) out[g] = float(std::clamp(base[g] + rng.normal(0.0, 0.1), 2.0, 16.0));
      w.control_cell.push_back(int32_t(c));
    }
  }
}

}  // namespace

h5::Matrix<float> zeros(int64_t rows, int64_t cols) {
  h5::Matrix<float> m;
  m.rows = rows;
  m.cols = cols;
  m.data.assign(size_t(rows * cols), 0.0f);
  return m;
}

double amplitude(double dose, double time) {
  return std::log1p(std::max(dose, 0.0)) / std::log1p(10.0) *
         (0.5 + 0.5 * std::min(std::max(time, 0.0), 24.0) / 24.0);
}

World make_world(const SynthConfig& cfg, const std::vector<int32_t>& compound_scaffold,
                 const std::vector<Groups>& compound_groups, int32_t n_group_kinds,
                 const WorldShape& shape) {
  World w;
  w.n_landmarks = shape.n_landmarks;
  w.n_genes = shape.n_landmarks + cfg.n_proteins;
  w.n_pathways = cfg.n_pathways;
  KG_CHECK(w.n_landmarks >= w.n_pathways && cfg.n_proteins >= w.n_pathways,
           "every pathway needs a landmark and another protein");
  assign_pathways(w, uint64_t(cfg.seed));
  make_ppi(w, uint64_t(cfg.seed));
  make_compounds(w, cfg, shape, compound_scaffold, compound_groups, n_group_kinds);
  make_profiles(w, uint64_t(cfg.seed));
  make_cells(w, cfg);
  make_signatures(w, cfg, shape);
  make_values(w, cfg, shape);
  make_controls(w, cfg);
  return w;
}

}  // namespace kg::synth
