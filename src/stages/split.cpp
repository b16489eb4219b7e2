// `kgpert split`: random, scaffold (Bemis–Murcko, RDKit), cold-cell or cold-drug split of the
// signatures.
#include <map>
#include <set>

#include "chem/chem.hpp"
#include "core/error.hpp"
#include "graph/ops.hpp"
#include "stages/stage.hpp"

namespace kg {

namespace {

// Scaffold of each compound. Acyclic compounds are their own group (keyed by SMILES);
// compounds without a parsable SMILES are grouped by their LINCS id.
std::vector<std::string> drug_groups(const Samples& s, int64_t& unparsable) {
  std::vector<std::string> groups(s.drug_pert_id.size());
  for (size_t d = 0; d < groups.size(); ++d) {
    auto mol = chem::parse_smiles(s.drug_smiles[d]);
    if (!mol) {
      ++unparsable;
      groups[d] = "id:" + s.drug_pert_id[d];
      continue;
    }
    std::string scaffold = chem::murcko_scaffold(*mol);
    groups[d] = scaffold.empty() ? "acyclic:" + chem::canonical_smiles(*mol) : scaffold;
  }
  return groups;
}

// Distinct groups among the signatures of one part.
size_t groups_in(const std::vector<int64_t>& part, const std::vector<int64_t>& sig_group) {
  std::set<int64_t> seen;
  for (auto i : part) seen.insert(sig_group[size_t(i)]);
  return seen.size();
}

}  // namespace

int stage_split(StageContext& ctx) {
  const auto& cfg = ctx.cfg;
  const std::string& samples_path = ctx.require("samples");
  const std::string& out = ctx.require("out");
  Samples s = read_samples(samples_path);
  const int64_t S = s.num_signatures();
  const std::string& kind = cfg.split.kind;

  int64_t unparsable = 0;
  std::vector<std::string> groups = drug_groups(s, unparsable);
  // Group of each signature: whole groups go to one part (none for the random split).
  std::vector<int64_t> sig_group;
  std::string noun;
  if (kind == "scaffold") {
    std::map<std::string, int64_t> ids;
    for (const auto& g : groups) ids.emplace(g, int64_t(ids.size()));
    for (int64_t i = 0; i < S; ++i) sig_group.push_back(ids.at(groups[size_t(s.sig_drug[size_t(i)])]));
    noun = "scaffolds";
  } else if (kind == "cold_cell") {
    sig_group.assign(s.sig_cell.begin(), s.sig_cell.end());
    noun = "cell lines";
  } else if (kind == "cold_drug") {
    sig_group.assign(s.sig_drug.begin(), s.sig_drug.end());
    noun = "compounds";
  } else {
    KG_CHECK(kind == "random", "split.kind {}", kind);
  }
  if (!sig_group.empty()) {
    const size_t n = std::set<int64_t>(sig_group.begin(), sig_group.end()).size();
    if (n < 3)
      fail_file("samples", samples_path,
                "has signatures of {} {}; a {} split puts each whole into one of train, val and "
                "test, so it needs at least 3",
                n, noun, kind);
  }
  Split split = make_split(kind, S, sig_group, cfg.split.train_frac, cfg.split.val_frac,
                           uint64_t(cfg.split.seed));
  split.drug_group = groups;

  h5::Writer w(out);
  write_split(w, split);
  w.attr("/", "train_frac", cfg.split.train_frac);
  w.attr("/", "val_frac", cfg.split.val_frac);
  w.attr("/", "seed", cfg.split.seed);
  w.attr("/", "unparsable_smiles", unparsable);
  if (const std::string gen = generation(samples_path, "ingest_generation"); !gen.empty())
    w.attr("/", "samples_generation", gen);
  w.attr("/", "split_generation", new_generation());  // what a partition or run made from it records
  w.provenance(ctx.provenance({samples_path}));
  w.commit();
  log::info("split {}: train {} / val {} / test {} signatures ({} compounds, "
            "{} without a parsable SMILES)",
            split.kind, split.train.size(), split.val.size(), split.test.size(),
            groups.size(), unparsable);
  if (!sig_group.empty())
    log::info("split {}: train {} / val {} / test {} {}", split.kind,
              groups_in(split.train, sig_group), groups_in(split.val, sig_group),
              groups_in(split.test, sig_group), noun);
  return 0;
}

}  // namespace kg
