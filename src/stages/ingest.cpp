// `kgpert ingest`: kg.csv + LINCS files -> graph.h5 and samples.h5 (both or neither).

#include <initializer_list>
#include <utility>

#include "core/error.hpp"
#include "ingest/builder.hpp"
#include "ingest/ingest.hpp"
#include "stages/stage.hpp"

namespace kg {

namespace {

// Counts as root attributes, in the order given (docs/FORMATS.md names each).
void write_counts(h5::Writer& w, std::initializer_list<std::pair<const char*, int64_t>> counts) {
  for (const auto& [name, n] : counts) w.attr("/", name, n);
}

// graph.h5 attributes: what kg.csv held that was merged or kept.
void write_kg_counts(h5::Writer& w, const KgCounts& c) {
  write_counts(w, {{"kg_duplicate_edges", c.duplicate_edges}, {"kg_self_loops", c.self_loops},
                   {"kg_merged_indices", c.merged_indices}});
}

// No inputs.gctx: the graph alone from kg.csv (e.g. PrimeKG at full size), no samples.h5.
int ingest_graph_only(StageContext& ctx, const std::string& graph_out) {
  if (ctx.flag("samples"))  // say so rather than leave an expected samples.h5 unwritten
    fail("--samples needs inputs.gctx (the LINCS signatures); without it ingest writes graph.h5 only");
  KgCounts counts;
  Graph g = build_kg_graph(ctx.cfg, &counts);
  h5::Writer gw(graph_out);
  write_graph(gw, g);
  write_kg_counts(gw, counts);
  gw.provenance(ctx.provenance({ctx.cfg.inputs.kg_csv}));
  gw.commit();
  log::info("ingest: graph only (no inputs.gctx): {} nodes, {} edges, {} relations\n{}", g.num_nodes(),
            g.num_edges(), g.num_relations(), kg_counts_line(counts, ctx.cfg.inputs.kg_csv));
  return 0;
}

}  // namespace

int stage_ingest(StageContext& ctx) {
  const std::string& graph_out = ctx.require("graph");
  if (ctx.cfg.inputs.gctx.empty()) return ingest_graph_only(ctx, graph_out);
  const std::string& samples_out = ctx.require("samples");
  IngestResult r = ingest(ctx.cfg);
  const IngestStats& st = r.stats;
  auto prov = ctx.provenance(r.inputs);

  h5::Writer gw(graph_out), sw(samples_out);
  const std::string generation = new_generation();  // pairs the two files
  gw.attr("/", "ingest_generation", generation);
  sw.attr("/", "ingest_generation", generation);
  write_graph(gw, r.graph);
  write_counts(gw, {{"match_inchikey", st.match_inchikey}, {"match_name", st.match_name}, {"match_new", st.match_new},
                    {"inchikey_malformed", st.inchikey_malformed}, {"vocab_repeated_keys", st.vocab_repeated_keys},
                    {"vocab_repeated_names", st.vocab_repeated_names}, {"smiles_unparsable", st.smiles_unparsable},
                    {"cells_with_controls", st.cells_with_controls}, {"embed_imported", st.embed_imported},
                    {"embed_missing", st.embed_missing}, {"embed_unknown", st.embed_unknown}});
  write_kg_counts(gw, st.kg);
  gw.provenance(prov);
  write_samples(sw, r.samples);
  write_counts(sw, {{"signatures_in_table", st.signatures_in_table}, {"skipped_type", st.skipped_type},
                    {"skipped_quality", st.skipped_quality}, {"skipped_not_in_gctx", st.skipped_not_in_gctx},
                    {"perts_not_in_pert_info", st.perts_not_in_pert_info}, {"pert_info_repeated", st.pert_info_repeated},
                    {"cells_not_in_cell_info", st.cells_not_in_cell_info}, {"skipped_filter", st.skipped_filter},
                    {"replicates_merged", st.replicates_merged}});
  sw.provenance(prov);
  sw.commit();
  gw.commit();

  const double D = double(r.samples.drug_pert_id.size());
  log::info(
      "ingest: PrimeKG {} nodes, {} edges; graph {} nodes, {} edges, {} relations\n"
      "ingest: {} samples from {} signatures (other pert_type {}, failed quality {}, not in GCTX {}, not selected by\n"
      "        ingest.doses/times/cell_lines {}, replicates merged {})\n"
      "ingest: {} compounds matched by InChIKey {} ({:.1f}%), by name {} ({:.1f}%), new nodes {} ({:.1f}%);\n"
      "        malformed InChIKeys {} (matched by name, else new)\n"
      "ingest: {} cell lines ({} with controls, {} linked to anatomy/disease); SMILES missing {}, unparsable {}",
      st.kg_nodes, st.kg_edges, r.graph.num_nodes(), r.graph.num_edges(), r.graph.num_relations(),
      st.signatures_kept, st.signatures_in_table, st.skipped_type, st.skipped_quality,
      st.skipped_not_in_gctx, st.skipped_filter, st.replicates_merged, int64_t(D), st.match_inchikey, 100.0 * st.match_inchikey / D,
      st.match_name, 100.0 * st.match_name / D, st.match_new, 100.0 * st.match_new / D, st.inchikey_malformed,
      r.samples.cell_id.size(), st.cells_with_controls, st.cells_linked, st.smiles_missing,
      st.smiles_unparsable);
  return 0;
}

}  // namespace kg
