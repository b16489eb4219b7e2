// Names and identifiers of the demo's entities: cell lines (real LINCS ones first, with their
// primary site and disease), and realistic name pools for the PrimeKG context nodes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kg::synth {

struct CellLine {
  std::string id;            // LINCS cell_id, e.g. "A375"
  std::string primary_site;  // an anatomy node name in kg.csv
  std::string disease;       // a disease node name in kg.csv
  std::string lineage;
  std::string sex;           // F | M
};

/// `n` cell lines: the common LINCS lines first, then generated ones ("SYNC011", ...).
std::vector<CellLine> make_cell_lines(int64_t n);

/// `n` distinct names for a context node type ("disease", "effect/phenotype",
/// "biological_process", "molecular_function", "cellular_component", "anatomy", "exposure"):
/// `required` first (e.g. the cell lines' sites), then a realistic pool, then numbered variants.
/// Some pool names contain commas, as PrimeKG's do.
std::vector<std::string> make_names(const std::string& type, int64_t n,
                                    const std::vector<std::string>& required = {});

/// `n` pathway names in Reactome style (a few with commas).
std::vector<std::string> make_pathway_names(int64_t n);

/// PrimeKG-style source id of context node `i` of a type: MONDO/HPO/GO/UBERON numbers, CTD
/// MeSH ids, Reactome R-HSA ids. Distinct within a type.
std::string context_id(const std::string& type, int64_t i);

/// The PrimeKG x_source of a node type.
std::string source_of(const std::string& type);

/// DrugBank id of drug number i (distinct; "DB0xxxx" for the first 9000).
std::string drugbank_id(int64_t i);

}  // namespace kg::synth
