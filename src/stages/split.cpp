// `kgpert split`: random or scaffold (Bemis–Murcko, RDKit) split of the signatures.
#include <iostream>
#include <map>

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

}  // namespace

int stage_split(StageContext& ctx) {
  const auto& cfg = ctx.cfg;
  const std::string& samples_path = ctx.require("samples");
  const std::string& out = ctx.require("out");
  Samples s = read_samples(samples_path);
  const int64_t S = s.num_signatures();

  int64_t unparsable = 0;
  std::vector<std::string> groups = drug_groups(s, unparsable);
  std::vector<int64_t> sig_group;
  if (cfg.split.kind == "scaffold") {
    std::map<std::string, int64_t> ids;
    for (const auto& g : groups) ids.emplace(g, int64_t(ids.size()));
    for (int64_t i = 0; i < S; ++i) sig_group.push_back(ids.at(groups[size_t(s.sig_drug[size_t(i)])]));
  }
  Split split = make_split(cfg.split.kind, S, sig_group, cfg.split.train_frac, cfg.split.val_frac,
                           uint64_t(cfg.split.seed));
  split.drug_group = groups;

  h5::Writer w(out);
  write_split(w, split);
  w.attr("/", "train_frac", cfg.split.train_frac);
  w.attr("/", "val_frac", cfg.split.val_frac);
  w.attr("/", "seed", cfg.split.seed);
  w.attr("/", "unparsable_smiles", unparsable);
  w.provenance(ctx.provenance({samples_path}));
  w.commit();
  std::cerr << fmt::format("split {}: train {} / val {} / test {} signatures ({} compounds, "
                           "{} without a parsable SMILES)\n",
                           split.kind, split.train.size(), split.val.size(), split.test.size(),
                           groups.size(), unparsable);
  return 0;
}

}  // namespace kg
