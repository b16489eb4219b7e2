// The bench responses (docs/BENCH.md, "Responses" and "Regimes"): each regime's target-driven
// activation a_dp, cell gating s_cp, gene programs, Hill dose-response, noise, controls and
// the noise ceiling. Draws only from streams of synth.seed (never the graph's), so in `null_graph`
// the responses do not depend on the graph at all.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.hpp"
#include "synth/bench.hpp"
#include "synth/compounds.hpp"
#include "synth/rng.hpp"

namespace kg::synth {
namespace {

enum Stream : uint64_t { kDrugParams = 501, kPrograms, kCells, kSigs, kNoise, kControls, kLatent };

// A gene program over the landmarks: its support genes move together (one sign for 80% of
// them, size U(0.5, 1.5)) on top of a small diffuse part over every landmark.
void draw_program(float* v, const std::vector<int32_t>& support, int64_t L, Rng& rng) {
  const double sign = rng.chance(0.5) ? 1.0 : -1.0;
  for (int64_t g = 0; g < L; ++g) v[g] = float(0.07 * rng.normal());
  for (int32_t g : support)
    if (g < L) v[g] += float(sign * (rng.chance(0.8) ? 1.0 : -1.0) * rng.uniform(0.5, 1.5));
}

std::vector<int32_t> random_support(int64_t n, int64_t L, Rng& rng) {
  std::set<int32_t> s;
  while (int64_t(s.size()) < n) s.insert(int32_t(rng.below(L)));
  return {s.begin(), s.end()};
}

// Adds w * member(g, p) / |pathways(g)| to a[p] for the pathways of gene g.
void spread(float* a, const BenchTruth& t, int32_t g, double w) {
  const auto& ps = t.gene_pathways[size_t(g)];
  for (int32_t p : ps) a[p] += float(w / double(ps.size()));
}

// a_dp of the graph regimes (pathway2, context, hubs: 2 hops; ppi3: 3 hops, own pathways weaker).
void graph_activation(BenchTruth& t, const BenchShape& shape) {
  const int64_t D = int64_t(t.targets.size());
  t.activation = zeros(D, t.n_pathways);
  for (int64_t d = 0; d < D; ++d) {
    float* a = t.activation.row(d);
    for (size_t i = 0; i < t.targets[size_t(d)].size(); ++i) {
      const int32_t g = t.targets[size_t(d)][i];
      const double w = t.affinity[size_t(d)][i];
      if (t.regime != Regime::ppi3) {
        spread(a, t, g, w);
        continue;
      }
      spread(a, t, g, shape.ppi_own * w);
      const auto& nb = t.ppi_adj[size_t(g)];
      for (int32_t n : nb) spread(a, t, n, w / double(nb.size()));
    }
  }
}

// null_graph: latent factors shared within a scaffold (3 per scaffold, scaled per compound) plus two
// of the compound's own; nothing here reads the graph.
void latent_activation(BenchTruth& t, const std::vector<Compound>& compounds, int64_t K, const BenchShape& shape,
                       uint64_t seed) {
  Rng rng(seed, kLatent);
  const int64_t M = shape.n_latent, D = int64_t(compounds.size());
  std::vector<std::vector<std::pair<int32_t, double>>> scaffold(static_cast<size_t>(K));
  for (auto& f : scaffold)
    for (int k = 0; k < 3; ++k) f.push_back({int32_t(rng.below(M)), rng.normal()});
  t.activation = zeros(D, M);
  for (int64_t d = 0; d < D; ++d) {
    float* a = t.activation.row(d);
    const double scale = rng.uniform(0.6, 1.4);
    for (auto [m, z] : scaffold[size_t(compounds[size_t(d)].scaffold)]) a[m] += float(scale * z);
    for (int k = 0; k < 2; ++k) a[rng.below(M)] += float(0.6 * rng.normal());
  }
}

// s_cp: context gates a pathway by the cell's disease genes in it; elsewhere a mild log-normal.
void make_gates(BenchTruth& t, int64_t C, const BenchShape& shape, uint64_t seed) {
  Rng rng(seed, kCells);
  const int64_t P = t.activation.cols;
  t.gate = zeros(C, P);
  if (t.regime != Regime::context) {
    for (auto& s : t.gate.data) s = float(std::exp(0.25 * rng.normal()));
    return;
  }
  for (int64_t c = 0; c < C; ++c) {
    std::vector<int64_t> n(static_cast<size_t>(P), 0);
    for (int32_t g : t.cell_disease_genes[size_t(c)])
      for (int32_t p : t.gene_pathways[size_t(g)]) ++n[size_t(p)];
    for (int64_t p = 0; p < P; ++p)
      t.gate.row(c)[p] = float(shape.gate_low + (1.0 - shape.gate_low) * double(std::min<int64_t>(n[size_t(p)], 2)) / 2.0);
  }
}

// Each (compound, cell) pair is profiled at the top dose (at the longest time, 70%) and on
// average at one more (dose, time); a compound is in ~cell_frac of the cell lines.
std::vector<Signature> make_signatures(int64_t D, int64_t C, const SynthConfig& s, const BenchShape& shape) {
  Rng rng(uint64_t(s.seed), kSigs);
  const int64_t nd = int64_t(s.doses.size()), nt = int64_t(s.times.size()), n = nd * nt;
  const int64_t top_d = std::max_element(s.doses.begin(), s.doses.end()) - s.doses.begin();
  const int64_t top_t = std::max_element(s.times.begin(), s.times.end()) - s.times.begin();
  std::vector<Signature> out;
  for (int64_t d = 0; d < D; ++d) {
    std::vector<int32_t> cells;
    for (int64_t c = 0; c < C; ++c)
      if (rng.chance(shape.cell_frac)) cells.push_back(int32_t(c));
    if (cells.empty()) cells.push_back(int32_t(rng.below(C)));
    for (int32_t c : cells) {
      std::vector<uint8_t> on(static_cast<size_t>(n), 0);
      int64_t first_t = nt > 1 && !rng.chance(0.7) ? rng.below(nt) : top_t;
      on[size_t(top_d * nt + first_t)] = 1;
      for (int64_t k = 0; k < n; ++k)
        if (!on[size_t(k)] && n > 1 && rng.chance(1.0 / double(n - 1))) on[size_t(k)] = 1;
      for (int64_t k = 0; k < n; ++k)
        if (on[size_t(k)]) out.push_back({int32_t(d), c, s.doses[size_t(k / nt)], s.times[size_t(k % nt)]});
    }
  }
  return out;
}

double pearson(const float* a, const float* b, int64_t n) {
  double ma = 0, mb = 0;
  for (int64_t i = 0; i < n; ++i) ma += a[i], mb += b[i];
  ma /= double(n), mb /= double(n);
  double sab = 0, saa = 0, sbb = 0;
  for (int64_t i = 0; i < n; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

// Per compound (stream kDrugParams): nearly inert or not, Hill curve (EC50 log-uniform over
// the dose range widened 2x each side, slope 0.8-2), time constant log-uniform 2-24 h.
void draw_drug_params(BenchTruth& t, int64_t D, const SynthConfig& s, const BenchShape& shape) {
  const double d_lo = *std::min_element(s.doses.begin(), s.doses.end());
  const double d_hi = *std::max_element(s.doses.begin(), s.doses.end());
  Rng prng(uint64_t(s.seed), kDrugParams);
  for (int64_t d = 0; d < D; ++d) {
    t.inert.push_back(prng.chance(shape.inert_frac));
    t.efficacy.push_back(float(t.inert.back() ? shape.inert_efficacy : 1.0));
    t.ec50.push_back(float(std::exp(prng.uniform(std::log(d_lo / 2), std::log(2 * d_hi)))));
    t.hill.push_back(float(prng.uniform(0.8, 2.0)));
    t.tau.push_back(float(std::exp(prng.uniform(std::log(2.0), std::log(24.0)))));
  }
}

// The activation a_dp and the programs (stream kPrograms): one per pathway (its landmark
// members) or, in null_graph, per latent factor; one per substituent kind, summed into each
// compound's chemistry part X_d.
void draw_programs(BenchTruth& t, const std::vector<Compound>& compounds, const SynthConfig& s,
                   const BenchShape& shape) {
  const uint64_t seed = uint64_t(s.seed);
  const int64_t D = int64_t(compounds.size()), L = t.n_landmarks;
  Rng grng(seed, kPrograms);
  if (t.regime == Regime::null_graph) {
    latent_activation(t, compounds, s.n_scaffolds, shape, seed);
    t.program = zeros(shape.n_latent, L);
    for (int64_t m = 0; m < shape.n_latent; ++m) draw_program(t.program.row(m), random_support(50, L, grng), L, grng);
  } else {
    graph_activation(t, shape);
    std::vector<std::vector<int32_t>> lm_members(static_cast<size_t>(t.n_pathways));
    for (int32_t g = 0; g < L; ++g)
      for (int32_t p : t.gene_pathways[size_t(g)]) lm_members[size_t(p)].push_back(g);
    t.program = zeros(t.n_pathways, L);
    for (int64_t p = 0; p < t.n_pathways; ++p) draw_program(t.program.row(p), lm_members[size_t(p)], L, grng);
  }
  h5::Matrix<float> group_program = zeros(n_groups(), L);
  for (int32_t j = 1; j < n_groups(); ++j) draw_program(group_program.row(j), random_support(40, L, grng), L, grng);
  t.chem = zeros(D, L);
  for (int64_t d = 0; d < D; ++d)
    for (int32_t j : compounds[size_t(d)].groups)
      if (j > 0)
        for (int64_t g = 0; g < L; ++g) t.chem.row(d)[g] += group_program.row(j)[g];
}

// The cells' generic responses u_c (stream kCells + 100): a part shared by all cell lines and
// one of each's own.
void draw_generic(BenchTruth& t, int64_t C, uint64_t seed) {
  const int64_t L = t.n_landmarks;
  Rng crng(seed, kCells + 100);
  std::vector<double> shared(static_cast<size_t>(L));
  for (auto& x : shared) x = crng.normal();
  t.generic = zeros(C, L);
  for (int64_t c = 0; c < C; ++c)
    for (int64_t g = 0; g < L; ++g) t.generic.row(c)[g] = float(0.6 * shared[size_t(g)] + 0.8 * crng.normal());
}

// The profiled (compound, cell) pairs in signature order, and each signature's pair.
struct ProfiledPairs {
  std::vector<std::pair<int32_t, int32_t>> pairs;
  std::vector<int64_t> pair_of;  // [S]
};
ProfiledPairs profiled_pairs(const std::vector<Signature>& sigs) {
  ProfiledPairs out;
  out.pair_of.resize(sigs.size());
  for (size_t i = 0; i < sigs.size(); ++i) {
    const auto& sig = sigs[i];
    if (out.pairs.empty() || out.pairs.back() != std::make_pair(sig.drug, sig.cell)) out.pairs.push_back({sig.drug, sig.cell});
    out.pair_of[i] = int64_t(out.pairs.size()) - 1;
  }
  return out;
}

// Target-driven part T_dc = sum_p a_dp s_cp v_p per profiled pair [pairs, L], then the scales
// k that give the three parts their variance shares over the profiled pairs at full response.
h5::Matrix<float> target_part(BenchTruth& t, const std::vector<std::pair<int32_t, int32_t>>& pairs,
                              const BenchShape& shape) {
  const int64_t L = t.n_landmarks, P = t.activation.cols;
  h5::Matrix<float> target = zeros(int64_t(pairs.size()), L);
  double sT = 0, sX = 0, sU = 0;
  for (size_t q = 0; q < pairs.size(); ++q) {
    auto [d, c] = pairs[q];
    float* out = target.row(int64_t(q));
    const float *a = t.activation.row(d), *gate = t.gate.row(c);
    for (int64_t p = 0; p < P; ++p) {
      const float f = a[p] * gate[p];
      if (f == 0.0f) continue;
      const float* v = t.program.row(p);
      for (int64_t g = 0; g < L; ++g) out[g] += f * v[g];
    }
    for (int64_t g = 0; g < L; ++g) {
      sT += double(out[g]) * out[g];
      sX += double(t.chem.row(d)[g]) * t.chem.row(d)[g];
      sU += double(t.generic.row(c)[g]) * t.generic.row(c)[g];
    }
  }
  const int64_t n = int64_t(pairs.size()) * L;
  auto scale = [&](double share, double sum2) {
    double r = std::sqrt(sum2 / double(std::max<int64_t>(n, 1)));
    return r > 0 ? std::sqrt(share) / r : 0.0;
  };
  t.k_target = scale(shape.share_target, sT);
  t.k_chem = scale(shape.share_chem, sX);
  t.k_generic = scale(shape.share_generic, sU);
  return target;
}

// y* = r (k_T T_dc + k_X X_d + k_U u_c), r = efficacy x Hill(dose) x time factor: the
// generic part is the cell's common response to an acting compound, so it grows with the
// compound's activity like the rest (level-5 z-scores are relative to the plate, so a
// cell line's response to nothing is not in them);
// y = clip(y* + N(0, noise^2), +-10) (the MODZ clip), noise from stream kNoise. Also the noise
// ceilings: Pearson(y*, y) averaged over all signatures, those at the top dose, and those at the
// top dose and longest time.
void draw_responses(World& w, BenchTruth& t, const h5::Matrix<float>& target, const std::vector<int64_t>& pair_of,
                    const SynthConfig& s) {
  const int64_t S = int64_t(w.signatures.size()), L = t.n_landmarks;
  const double d_hi = *std::max_element(s.doses.begin(), s.doses.end());
  Rng nrng(uint64_t(s.seed), kNoise);
  w.signal = zeros(S, L);
  w.y = zeros(S, L);
  double c_top = 0, c_top24 = 0, c_all = 0;
  int64_t n_top = 0, n_top24 = 0;
  for (int64_t i = 0; i < S; ++i) {
    const auto& sig = w.signatures[size_t(i)];
    const double r = t.efficacy[size_t(sig.drug)] * bench_response_scale(t, sig.drug, sig.dose, sig.time);
    const float *T = target.row(pair_of[size_t(i)]), *X = t.chem.row(sig.drug), *U = t.generic.row(sig.cell);
    float *out = w.signal.row(i), *y = w.y.row(i);
    for (int64_t g = 0; g < L; ++g) {
      out[g] = float(r * (t.k_target * T[g] + t.k_chem * X[g] + t.k_generic * U[g]));
      y[g] = float(std::clamp(double(out[g]) + s.noise * nrng.normal(), -10.0, 10.0));
    }
    const double c = pearson(out, y, L);
    c_all += c;
    if (sig.dose == d_hi) {
      c_top += c, ++n_top;
      if (sig.time == t.t_max) c_top24 += c, ++n_top24;
    }
  }
  t.ceiling_all = c_all / double(std::max<int64_t>(S, 1));
  t.ceiling_top = c_top / double(std::max<int64_t>(n_top, 1));
  t.ceiling_top_24h = c_top24 / double(std::max<int64_t>(n_top24, 1));
}

// Controls (log2 ~4-14, stream kControls): gene means, the cell's own expression, its gating
// pattern (each program's support genes shifted by +-0.5 s_cp, centred over cells) and, except
// in null_graph (where nothing but kg.csv may depend on the graph), its disease genes.
void draw_controls(World& w, const BenchTruth& t, int64_t C, const SynthConfig& s) {
  const int64_t L = t.n_landmarks, P = t.activation.cols;
  Rng krng(uint64_t(s.seed), kControls);
  std::vector<double> mean(static_cast<size_t>(L));
  for (auto& m : mean) m = std::clamp(krng.normal(9.0, 1.8), 4.5, 13.5);
  std::vector<double> gate_mean(static_cast<size_t>(P), 0.0);
  for (int64_t c = 0; c < C; ++c)
    for (int64_t p = 0; p < P; ++p) gate_mean[size_t(p)] += t.gate.row(c)[p] / double(C);
  const int64_t R = s.n_controls;
  w.controls = zeros(C * R, L);
  w.control_cell.clear();
  for (int64_t c = 0; c < C; ++c) {
    std::vector<double> base(mean);
    for (int64_t p = 0; p < P; ++p) {
      const double shift = 0.5 * (t.gate.row(c)[p] - gate_mean[size_t(p)]);
      const float* v = t.program.row(p);
      for (int64_t g = 0; g < L; ++g)
        if (std::fabs(v[g]) >= 0.4f) base[size_t(g)] += v[g] > 0 ? shift : -shift;
    }
    if (t.regime != Regime::null_graph)
      for (int32_t g : t.cell_disease_genes[size_t(c)])
        if (g < L) base[size_t(g)] += 0.6;
    for (auto& x : base) x += krng.normal(0.0, 0.4);
    for (int64_t r = 0; r < R; ++r) {
      float* out = w.controls.row(c * R + r);
      for (int64_t g = 0; g < L; ++g) out[g] = float(std::clamp(base[size_t(g)] + krng.normal(0.0, 0.1), 2.0, 16.0));
      w.control_cell.push_back(int32_t(c));
    }
  }
}

}  // namespace

double bench_response_scale(const BenchTruth& t, int64_t d, double dose, double time) {
  const double n = t.hill[size_t(d)], ec50 = t.ec50[size_t(d)], tau = t.tau[size_t(d)];
  const double hill = std::pow(dose, n) / (std::pow(dose, n) + std::pow(ec50, n));
  return hill * (1.0 - std::exp(-time / tau)) / (1.0 - std::exp(-t.t_max / tau));
}

// Each part draws from its own stream of synth.seed, so the steps' order fixes nothing but
// what each reads of the others.
void make_bench_responses(Bench& b, const Config& cfg, const BenchShape& shape) {
  const SynthConfig& s = cfg.synth;
  BenchTruth& t = b.truth;
  World& w = b.data.world;
  const auto& compounds = b.data.compounds;
  const int64_t D = int64_t(compounds.size()), C = int64_t(b.data.cells.size());
  t.t_max = *std::max_element(s.times.begin(), s.times.end());

  draw_drug_params(t, D, s, shape);
  draw_programs(t, compounds, s, shape);
  make_gates(t, C, shape, uint64_t(s.seed));
  draw_generic(t, C, uint64_t(s.seed));
  w.signatures = make_signatures(D, C, s, shape);
  const ProfiledPairs pp = profiled_pairs(w.signatures);
  const h5::Matrix<float> target = target_part(t, pp.pairs, shape);
  draw_responses(w, t, target, pp.pair_of, s);
  draw_controls(w, t, C, s);

  w.n_genes = t.n_genes;
  w.n_landmarks = t.n_landmarks;
  w.n_pathways = t.n_pathways;
  w.scaffold_home = t.scaffold_home;
  for (const auto& c : compounds) w.compound_scaffold.push_back(c.scaffold);
}

}  // namespace kg::synth
