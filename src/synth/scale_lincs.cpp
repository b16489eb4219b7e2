// LINCS files at GSE92742's size around a PrimeKG-scale kg.csv (see scale.hpp): the level-5
// GCTX is filled and written a block of samples at a time, in parallel, so a 23 GB file needs
// tens of MB of memory.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "core/error.hpp"
#include "io/gctx.hpp"
#include "io/lincs.hpp"
#include "synth/catalog.hpp"
#include "synth/compounds.hpp"
#include "synth/rng.hpp"
#include "synth/scale.hpp"

namespace kg::synth {
namespace {

// GSE92742: 473,647 level-5 signatures, 20,413 compounds, 71 cell lines, 12,328 genes.
constexpr double kFullSignatures = 473647, kFullCompounds = 20413;
constexpr int64_t kCells = 71, kGenes = 12328, kLandmarks = 978;

// Perturbation types and their shares of the signatures (roughly GSE92742's).
struct PertKind {
  const char* type;
  double share;
};
constexpr PertKind kKinds[] = {{"trt_cp", 0.433},     {"trt_sh", 0.25},     {"trt_sh.cgs", 0.08},
                               {"trt_oe", 0.05},      {"trt_lig", 0.007},   {"ctl_vehicle", 0.09},
                               {"ctl_untrt", 0.04},   {"ctl_vector", 0.05}};
constexpr double kDoses[] = {10, 10, 10, 5, 3.33, 1.11, 0.37, 0.12, 0.04};  // 10 µM is most common

const ScaleNodes& of_type(const std::vector<ScaleNodes>& nodes, const std::string& type) {
  for (const auto& t : nodes)
    if (t.type == type) return t;
  fail("synth: the generated graph has no \"{}\" nodes", type);
}

// Skewed index in [0, n): a few compounds and cell lines get most signatures, as in LINCS.
int64_t skewed(Rng& rng, int64_t n, double power) {
  return std::min(n - 1, int64_t(double(n) * std::pow(rng.uniform(), power)));
}

// Stateless N(0, 1)-like values (Irwin-Hall of four uniforms, rescaled): cheap, and the same
// for any number of threads because each value depends only on (seed, sample, gene).
float value_at(uint64_t seed, int64_t sample, int64_t gene) {
  uint64_t x = seed ^ (uint64_t(sample) * 0x9E3779B97F4A7C15ull) ^ (uint64_t(gene) * 0xC2B2AE3D27D4EB4Full);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  x ^= x >> 31;
  double s = double(x & 0xFFFF) + double((x >> 16) & 0xFFFF) + double((x >> 32) & 0xFFFF) + double(x >> 48);
  return float((s / 65536.0 - 2.0) * 1.7320508075688772);
}

// Genes: the first st.genes gene/protein nodes; every (genes / 978)-th one is a landmark.
// Writes gene_info.txt; returns it, and the GCTX's row axis in `rows`.
GeneInfo write_genes(const std::string& path, const ScaleNodes& genes, int64_t n_genes, GctxAxis& rows) {
  const int64_t n_lm = std::min<int64_t>(kLandmarks, n_genes);
  GeneInfo gi;
  gi.format = "gene_info";
  for (int64_t g = 0; g < n_genes; ++g) {
    const bool lm = g * n_lm / n_genes != (g + 1) * n_lm / n_genes;
    gi.rows.push_back({genes.id[size_t(g)], fmt::format("SYMB{}", g), genes.name[size_t(g)], lm});
    rows.ids.push_back(genes.id[size_t(g)]);
  }
  write_gene_info(path, gi);
  return gi;
}

// Cell lines: LINCS ids, sites and diseases named as anatomy and disease nodes of kg.csv.
// Writes cell_info.txt; returns the cell lines.
std::vector<CellLine> write_cells(const std::string& path, const ScaleNodes& anatomy, const ScaleNodes& disease) {
  CellInfo ci;
  ci.format = "cell_info";
  auto cell_lines = make_cell_lines(kCells);
  for (int64_t c = 0; c < kCells; ++c)
    ci.rows.push_back({cell_lines[size_t(c)].id, anatomy.name[size_t(c) % anatomy.name.size()],
                       disease.name[size_t(c) % disease.name.size()]});
  write_cell_info(path, ci);
  return cell_lines;
}

// Compounds with real chemistry; 40% are PrimeKG drugs in the DrugBank vocabulary (draws
// from `rng`). Writes pert_info.txt and drugbank_vocabulary.csv; returns the pert_info.
PertInfo write_compounds(const std::string& pert_path, const std::string& vocab_path, const ScaleNodes& drugs,
                         int64_t n, uint64_t seed, Rng& rng) {
  auto chem = draw_compounds(n, std::min<int64_t>(400, std::max<int64_t>(2, n / 4)), seed);
  PertInfo pi;
  pi.format = "pert_info";
  DrugbankVocab vocab;
  for (int64_t i = 0; i < n; ++i) {
    const auto& c = chem[size_t(i)];
    std::string pert = fmt::format("BRD-K{:08d}", 10000000 + i);
    pi.rows.push_back({pert, c.name, "trt_cp", c.smiles, c.inchikey});
    const double u = rng.uniform();
    if (u < 0.4 && i < int64_t(drugs.id.size())) {
      std::string name = c.name;
      name[0] = char(std::toupper(static_cast<unsigned char>(name[0])));
      vocab.rows.push_back({drugs.id[size_t(i)], "", name, "", "", {name}, u < 0.3 ? c.inchikey : ""});
    }
  }
  write_pert_info(pert_path, pi);
  write_drugbank_vocab(vocab_path, vocab);
  return pi;
}

// A plate's perturbation type (by kKinds' shares), cell line and time.
void draw_plate(Rng& rng, const std::vector<CellLine>& cell_lines, Signature& plate) {
  double u = rng.uniform(), acc = 0;
  plate.pert_type = kKinds[0].type;
  for (const auto& k : kKinds)
    if ((acc += k.share) > u) { plate.pert_type = k.type; break; }
  plate.cell_id = cell_lines[size_t(skewed(rng, kCells, 2.0))].id;
  plate.time_h = rng.chance(0.4) ? 6 : 24;
}

// Signatures, in plates of 384 of one cell line, time and perturbation type (draws from
// `rng`). Writes sig_info.txt; returns the GCTX's column axis.
GctxAxis write_signatures(const std::string& path, int64_t signatures, const std::vector<CellLine>& cell_lines,
                          const PertInfo& pi, const GeneInfo& gi, LincsScaleStats& st, Rng& rng) {
  SigInfo si;
  si.format = "sig_info";
  GctxAxis cols;
  si.rows.reserve(size_t(signatures));
  cols.ids.reserve(size_t(signatures));
  Signature plate;
  for (int64_t s = 0; s < signatures; ++s) {
    if (s % 384 == 0) draw_plate(rng, cell_lines, plate);
    Signature sig = plate;
    const int64_t p = s / 384, well = s % 384;
    if (sig.pert_type == "trt_cp") {
      const int64_t c = skewed(rng, st.compounds, 2.0);
      sig.pert_id = pi.rows[size_t(c)].pert_id;
      sig.pert_name = pi.rows[size_t(c)].name;
      sig.dose_um = kDoses[size_t(rng.below(int64_t(std::size(kDoses))))];
      ++st.trt_cp;
    } else if (sig.pert_type.rfind("ctl_", 0) == 0) {
      sig.pert_id = sig.pert_type == "ctl_vehicle" ? "DMSO" : sig.pert_type == "ctl_vector" ? "pLX317" : "UnTrt";
      sig.pert_name = sig.pert_id;
    } else {
      const int64_t g = rng.below(st.genes);
      sig.pert_id = fmt::format("TRCN{:010d}", g * 7 + rng.below(7));
      sig.pert_name = gi.rows[size_t(g)].symbol;
    }
    sig.sig_id = fmt::format("SYN{:06d}_{}_{}H:{}:{}", p, sig.cell_id, sig.time_h, sig.pert_id, well);
    cols.ids.push_back(sig.sig_id);
    si.rows.push_back(std::move(sig));
  }
  write_sig_info(path, si);
  return cols;
}

// The matrix: blocks of 1024 samples filled in parallel, written in order (the axes are
// dropped once the writer holds them).
void write_matrix(const std::string& path, GctxAxis rows, GctxAxis cols, int64_t signatures, int64_t genes,
                  uint64_t seed, int threads) {
  GctxWriter w(path, rows, cols);
  cols = GctxAxis();
  const int64_t block = 1024;
  h5::Matrix<float> buf{std::vector<float>(size_t(block * genes)), block, genes};
  for (int64_t s0 = 0; s0 < signatures; s0 += block) {
    buf.rows = std::min(block, signatures - s0);
    buf.data.resize(size_t(buf.rows * genes));
#pragma omp parallel for num_threads(std::max(1, threads)) schedule(static)
    for (int64_t i = 0; i < buf.rows; ++i)
      for (int64_t g = 0; g < genes; ++g) buf.data[size_t(i * genes + g)] = value_at(seed, s0 + i, g);
    w.write(buf);
  }
  w.commit();
}

}  // namespace

// One stream (seed, 71) is drawn by the compounds, then by the signatures, in that order.
LincsScaleStats write_lincs_like(const std::string& dir, const std::vector<ScaleNodes>& nodes,
                                 int64_t signatures, uint64_t seed, int threads) {
  if (signatures < 1) fail("synth: --signatures must be at least 1, got {}", signatures);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail_file("output directory", dir, "cannot create: {}", ec.message());
  auto at = [&](const char* name) { return (std::filesystem::path(dir) / name).string(); };
  const auto& genes = of_type(nodes, "gene/protein");
  const auto& drugs = of_type(nodes, "drug");
  const auto& anatomy = of_type(nodes, "anatomy");
  const auto& disease = of_type(nodes, "disease");
  LincsScaleStats st;
  st.signatures = signatures;
  st.genes = std::min<int64_t>(kGenes, int64_t(genes.id.size()));
  st.cells = kCells;
  st.compounds = std::max<int64_t>(10, std::llround(kFullCompounds * double(signatures) / kFullSignatures));

  GctxAxis rows;
  const GeneInfo gi = write_genes(at("gene_info.txt"), genes, st.genes, rows);
  const auto cell_lines = write_cells(at("cell_info.txt"), anatomy, disease);
  Rng rng(seed, 71);
  const PertInfo pi = write_compounds(at("pert_info.txt"), at("drugbank_vocabulary.csv"), drugs, st.compounds, seed, rng);
  GctxAxis cols = write_signatures(at("sig_info.txt"), signatures, cell_lines, pi, gi, st, rng);
  write_matrix(at("level5.gctx"), std::move(rows), std::move(cols), signatures, st.genes, seed, threads);
  st.gctx_bytes = double(std::filesystem::file_size(at("level5.gctx")));
  return st;
}

}  // namespace kg::synth
