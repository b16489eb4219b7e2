// The whole demo dataset in memory (world, graph, identities of genes, compounds and cell
// lines) and its writer to the real file formats (kg.csv, GCTX, LINCS tables, DrugBank CSV).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "synth/catalog.hpp"
#include "synth/kg.hpp"
#include "synth/world.hpp"

namespace kg::synth {

struct Compound {
  std::string pert_id;    // BRD-K########
  std::string iname;      // LINCS pert_iname (lower case)
  std::string drug_name;  // DrugBank common name (capitalised iname)
  std::string drugbank;   // DrugBank id ("" when not in the vocabulary)
  std::string smiles;     // canonical SMILES
  std::string inchikey;
  int32_t scaffold = 0;
  Groups groups{0, 0};    // substituent kinds (synth/world.hpp)
};

struct Demo {
  World world;
  Kg kg;
  std::vector<GeneIdentity> genes;   // [G]; the first n_landmarks are the landmarks
  std::vector<Compound> compounds;   // [D] LINCS compounds
  std::vector<Compound> kg_only;     // PrimeKG drugs that are not LINCS compounds
  std::vector<Compound> vocab_only;  // DrugBank vocabulary drugs in neither
  std::vector<uint8_t> vocab_without_key;  // [D] matched compound listed without InChIKey
  std::vector<CellLine> cells;       // [C]
};

/// Builds everything in memory, deterministically from cfg.synth.seed. Reads
/// cfg.inputs.gene_table when set. Throws kg::Error naming the key for inconsistent sizes.
Demo make_demo(const Config& cfg);

/// Landmark identities from a LINCS gene table (row_meta / gene_info: pr_gene_id,
/// pr_gene_symbol, optional pr_gene_title and landmark flag), or generated ones when `path`
/// is empty. Always 978 landmarks when read from a real table.
std::vector<GeneIdentity> landmark_genes(const std::string& path);

/// Output file names inside the output directory.
struct DemoFiles {
  static constexpr const char* kg_csv = "kg.csv";
  static constexpr const char* signatures = "signatures.gctx";
  static constexpr const char* controls = "controls.gctx";
  static constexpr const char* sig_info = "sig_info.txt";
  static constexpr const char* gene_info = "gene_info.txt";
  static constexpr const char* cell_info = "cell_info.txt";
  static constexpr const char* pert_info = "pert_info.txt";
  static constexpr const char* drugbank_vocab = "drugbank_vocabulary.csv";
};

/// Writes every file of DemoFiles into `dir` (created if needed), each atomically.
void write_demo(const Demo& demo, const std::string& dir);

/// Chemistry-name helpers shared by the demo and the benchmark suite (synth/bench.hpp).
std::string lower(std::string s);
std::string capitalise(std::string s);  // first letter upper case
/// n distinct BRD-K ids (8 digits) drawn from (seed, stream).
std::vector<std::string> brd_ids(int64_t n, uint64_t seed, uint64_t stream);

/// LINCS-style signature id, e.g. "SYN001_A375_24H:BRD-K12345678:10".
std::string signature_id(const Demo& demo, int64_t s);

/// Short summary (nodes per type, edges per relation, signatures) for stderr.
std::string summary(const Demo& demo);

}  // namespace kg::synth
