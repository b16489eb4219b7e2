// Name pools and id schemes of the demo's entities (see synth/catalog.hpp).
#include "synth/catalog.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "core/error.hpp"

namespace kg::synth {
namespace {

// Common LINCS cell lines with a primary site and disease worded as PrimeKG node names.
const std::vector<CellLine>& lincs_cells() {
  static const std::vector<CellLine> c{
      {"A375", "skin of body", "melanoma", "skin", "F"},
      {"MCF7", "breast", "breast adenocarcinoma", "breast", "F"},
      {"PC3", "prostate gland", "prostate adenocarcinoma", "prostate", "M"},
      {"A549", "lung", "lung adenocarcinoma", "lung", "M"},
      {"HA1E", "kidney", "kidney disease", "kidney", "M"},
      {"HT29", "colon", "colon adenocarcinoma", "large intestine", "F"},
      {"HEPG2", "liver", "hepatocellular carcinoma", "liver", "M"},
      {"VCAP", "prostate gland", "prostate carcinoma", "prostate", "M"},
      {"HCC515", "lung", "non-small cell lung carcinoma", "lung", "M"},
      {"NPC", "central nervous system", "neurodevelopmental disorder", "central nervous system", "F"},
      {"YAPC", "pancreas", "pancreatic adenocarcinoma", "pancreas", "M"},
      {"HELA", "uterine cervix", "cervical adenocarcinoma", "cervix", "F"},
      {"MCF10A", "breast", "fibrocystic breast disease", "breast", "F"},
      {"ASC", "adipose tissue", "obesity disorder", "adipose", "F"},
      {"SKBR3", "breast", "breast carcinoma", "breast", "F"},
      {"HUVEC", "vein", "vascular disease", "endothelium", "M"},
  };
  return c;
}

const std::map<std::string, std::vector<std::string>>& pools() {
  static const std::map<std::string, std::vector<std::string>> p{
      {"disease",
       {"46,XY disorder of sex development", "asthma", "type 2 diabetes mellitus",
        "rheumatoid arthritis", "Alzheimer disease", "Parkinson disease", "glioblastoma",
        "acute myeloid leukemia", "chronic myeloid leukemia", "multiple myeloma",
        "psoriasis", "Crohn disease", "hypertension", "heart failure", "osteoporosis",
        "systemic lupus erythematosus", "ovarian serous carcinoma", "gastric adenocarcinoma",
        "renal cell carcinoma", "schizophrenia", "major depressive disorder", "epilepsy",
        "cystic fibrosis", "hypercholesterolemia", "gout", "migraine disorder",
        "ulcerative colitis", "lymphoma, mantle cell", "sarcoma, Ewing", "atrial fibrillation"}},
      {"effect/phenotype",
       {"Headache", "Nausea", "Hepatotoxicity", "Seizure", "Fatigue", "Rash", "Hypotension",
        "Neutropenia", "Anemia", "Diarrhea", "Weight loss", "Insomnia", "Tremor", "Alopecia",
        "Edema", "Abnormality of the liver", "Arthralgia", "Proteinuria", "Pruritus",
        "Tachycardia", "Short stature, mild", "Intellectual disability, severe"}},
      {"biological_process",
       {"apoptotic process", "cell cycle", "DNA repair", "inflammatory response",
        "glycolytic process", "autophagy", "angiogenesis", "cell migration",
        "response to hypoxia", "T cell activation", "lipid metabolic process",
        "regulation of transcription, DNA-templated", "protein ubiquitination",
        "signal transduction", "cholesterol biosynthetic process", "mitotic spindle assembly"}},
      {"molecular_function",
       {"protein kinase activity", "DNA binding", "ATP binding", "receptor activity",
        "ubiquitin-protein transferase activity", "GTPase activity", "ion channel activity",
        "transcription coactivator activity", "metal ion binding", "oxidoreductase activity"}},
      {"cellular_component",
       {"nucleus", "cytosol", "plasma membrane", "mitochondrion", "endoplasmic reticulum",
        "Golgi apparatus", "lysosome", "extracellular space", "centrosome", "ribosome"}},
      {"anatomy",
       {"blood", "brain", "heart", "stomach", "spleen", "bone marrow", "skeletal muscle tissue",
        "thyroid gland", "adrenal gland", "small intestine", "retina", "testis", "ovary",
        "placenta", "esophagus", "urinary bladder", "lymph node", "spinal cord"}},
      {"exposure",
       {"Particulate Matter", "Tobacco Smoke Pollution", "Arsenic", "Benzene", "Lead",
        "Cadmium", "Bisphenol A", "Ozone", "Air Pollutants", "Pesticides"}},
  };
  return p;
}

const std::map<std::string, std::string>& sources() {
  static const std::map<std::string, std::string> s{
      {"drug", "DrugBank"},       {"gene/protein", "NCBI"},       {"disease", "MONDO"},
      {"effect/phenotype", "HPO"}, {"biological_process", "GO"},  {"molecular_function", "GO"},
      {"cellular_component", "GO"}, {"pathway", "REACTOME"},     {"anatomy", "UBERON"},
      {"exposure", "CTD"}};
  return s;
}

}  // namespace

std::vector<CellLine> make_cell_lines(int64_t n) {
  std::vector<CellLine> out;
  const auto& real = lincs_cells();
  for (int64_t i = 0; i < n; ++i) {
    if (i < int64_t(real.size())) {
      out.push_back(real[size_t(i)]);
    } else {
      CellLine c = real[size_t(i % int64_t(real.size()))];
      c.id = fmt::format("SYNC{:03d}", i + 1);
      out.push_back(c);
    }
  }
  return out;
}

std::vector<std::string> make_names(const std::string& type, int64_t n,
                                    const std::vector<std::string>& required) {
  auto it = pools().find(type);
  KG_CHECK(it != pools().end(), "no name pool for {}", type);
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& s) {
    if (int64_t(out.size()) < n && seen.insert(s).second) out.push_back(s);
  };
  for (const auto& r : required) add(r);
  for (const auto& s : it->second) add(s);
  // Numbered variants, as MONDO's "... type 2" and GO's "... of ..." children.
  for (int64_t k = 2; int64_t(out.size()) < n; ++k)
    for (const auto& s : it->second) add(fmt::format("{} type {}", s, k));
  return out;
}

std::vector<std::string> make_pathway_names(int64_t n) {
  static const std::vector<std::string> pool{
      "Signaling by EGFR", "Cell Cycle Checkpoints", "Apoptosis", "Metabolism of lipids",
      "Signaling by NOTCH1, NOTCH2 and NOTCH3", "DNA Repair", "Interferon Signaling",
      "Signaling by WNT", "Glycolysis", "Unfolded Protein Response (UPR)",
      "PI3K/AKT Signaling in Cancer", "Cholesterol biosynthesis", "Signaling by TGF-beta Receptor Complex",
      "Mitotic G1 phase and G1/S transition", "Toll-like Receptor Cascades",
      "Transport of small molecules", "Hedgehog 'on' state", "RAF/MAP kinase cascade",
      "Autophagy", "Signaling by FGFR1, FGFR2, FGFR3 and FGFR4"};
  std::vector<std::string> out;
  for (int64_t i = 0; i < n; ++i) {
    const auto& base = pool[size_t(i % int64_t(pool.size()))];
    out.push_back(i < int64_t(pool.size()) ? base
                                           : fmt::format("{} {}", base, i / int64_t(pool.size()) + 1));
  }
  return out;
}

std::string source_of(const std::string& type) {
  auto it = sources().find(type);
  KG_CHECK(it != sources().end(), "unknown node type {}", type);
  return it->second;
}

std::string context_id(const std::string& type, int64_t i) {
  // Strided numbers look like real ontology ids and stay distinct.
  if (type == "pathway") return fmt::format("R-HSA-{}", 109581 + 7919 * i);
  if (type == "disease") return fmt::format("{}", 4001 + 37 * i);
  if (type == "effect/phenotype") return fmt::format("{}", 1250 + 23 * i);
  if (type == "biological_process") return fmt::format("{}", 6915 + 31 * i);
  if (type == "molecular_function") return fmt::format("{}", 3677 + 29 * i);
  if (type == "cellular_component") return fmt::format("{}", 5634 + 41 * i);
  if (type == "anatomy") return fmt::format("{:07d}", 2107 + 13 * i);
  if (type == "exposure") return fmt::format("D{:06d}", 82 + 17 * i);
  KG_CHECK(false, "no id scheme for {}", type);
  return {};
}

std::string drugbank_id(int64_t i) {
  if (i < 9000) return fmt::format("DB0{:04d}", 1000 + (i * 7919) % 9000);
  return fmt::format("DB{:05d}", 10000 + i);
}

}  // namespace kg::synth
