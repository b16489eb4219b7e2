// The demo's PrimeKG graph built from the world: gene/protein, pathway and drug nodes carrying
// the planted structure, plus context nodes (diseases, phenotypes, processes, anatomy, ...)
// with PrimeKG's relation names, and its writer to a real-format kg.csv.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "synth/catalog.hpp"
#include "synth/world.hpp"

namespace kg::synth {

struct GeneIdentity {
  std::string entrez, symbol, title;
};

struct KgNode {
  std::string type, id, name, source;
};

/// One undirected edge; kg.csv lists it in both directions, as PrimeKG does.
struct KgEdge {
  int32_t rel, x, y;
};

struct KgRelation {
  std::string name, display;
};

struct Kg {
  std::vector<KgNode> nodes;  // node i has x_index i
  std::vector<KgRelation> relations;
  std::vector<KgEdge> edges;  // grouped by relation, in relation order
  std::vector<int32_t> gene_node;        // [G]
  std::vector<int32_t> pathway_node;     // [P]
  std::vector<int32_t> compound_node;    // [D] -1 when the compound is not a PrimeKG drug
  std::vector<int32_t> distractor_node;  // PrimeKG drugs that are not LINCS compounds
  std::vector<std::vector<int32_t>> distractor_targets;  // their targets (genes)
};

struct KgInputs {
  std::vector<GeneIdentity> genes;               // [G] world genes
  std::vector<std::string> compound_names;       // [D] DrugBank common names
  std::vector<std::string> compound_drugbank;    // [D] DrugBank ids ("" when not in PrimeKG)
  std::vector<std::string> distractor_names;     // PrimeKG-only drugs
  std::vector<std::string> distractor_drugbank;
  std::vector<CellLine> cells;
};

/// Builds the graph; context node counts split cfg.n_other (raised where the cell lines'
/// sites and diseases need more anatomy/disease nodes).
Kg make_kg(const SynthConfig& cfg, const World& w, const KgInputs& in);

/// Writes kg.csv atomically (both directions of every edge, relation by relation).
void write_kg(const Kg& kg, const std::string& path);

/// Number of context nodes of each type for n_other, in make_kg's order.
std::vector<std::pair<std::string, int64_t>> context_counts(int64_t n_other);

}  // namespace kg::synth
