// Explanation of one (drug, cell line) prediction of a GAT run: lookup by name, rollout and
// paths on the rebuilt model, TSV and DOT outputs (see explain.hpp).
#include "train/explain.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <fmt/ranges.h>  // fmt::join

#include "core/error.hpp"
#include "model/models.hpp"
#include "train/checkpoint.hpp"

namespace kg {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string compound_label(const Samples& s, size_t d) {
  const auto& name = s.drug_name[d];
  return name.empty() || name == s.drug_pert_id[d] ? s.drug_pert_id[d]
                                                    : fmt::format("{} ({})", name, s.drug_pert_id[d]);
}

// Candidates for close matches: (text compared with the query, text shown).
using Candidates = std::vector<std::pair<std::string, std::string>>;

std::vector<std::string> closest(const std::string& query, const Candidates& candidates, size_t k) {
  const auto q = lower(query);
  const size_t limit = std::max<size_t>(2, q.size() / 3);
  std::set<std::tuple<size_t, std::string, size_t>> ranked;  // (distance, lower-case shown, index)
  for (size_t i = 0; i < candidates.size(); ++i) {
    const auto key = lower(candidates[i].first);
    if (key.empty()) continue;
    const size_t d = edit_distance(q, key);
    const bool contains = key.find(q) != std::string::npos || q.find(key) != std::string::npos;
    if (d <= limit || contains) ranked.emplace(d, lower(candidates[i].second), i);
  }
  std::vector<std::string> out;
  std::set<std::string> seen;  // shown texts, case-insensitive: each once
  for (const auto& [d, shown, i] : ranked) {
    if (out.size() == k) break;
    if (seen.insert(shown).second) out.push_back(candidates[i].second);
  }
  return out;
}

[[noreturn]] void not_found(const std::string& what, const std::string& query, const std::string& how,
                            const Candidates& candidates) {
  const auto close = closest(query, candidates, 5);
  fail("no {} \"{}\" ({}); {}", what, query, how,
       close.empty() ? "no close match" : fmt::format("close matches: {}", fmt::join(close, ", ")));
}

// Text for a TSV field: tabs and line breaks become spaces.
std::string field(std::string s) {
  for (auto& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return s;
}

// A DOT string literal; a line break becomes DOT's \n (a centred line break in a label).
std::string dot_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') continue;
    else out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  }
  return out + "\"";
}

std::string relation_name(const Graph& g, int64_t r) {
  return r < g.num_relations() ? g.relation_names[size_t(r)] : std::string("self_loop");
}

std::string type_name(const Graph& g, int64_t v) { return node_type_names()[size_t(g.node_type[size_t(v)])]; }

// A target's paths without its own self-loop walk (nodes = {target}).
std::vector<const AttentionPath*> real_paths(const std::vector<AttentionPath>& paths) {
  std::vector<const AttentionPath*> out;
  for (const auto& p : paths)
    if (!p.rels.empty()) out.push_back(&p);
  return out;
}

void write_text(const std::string& path, const std::string& text) {
  h5::AtomicFile f(path);
  std::ofstream o(f.tmp_path());
  o << text;
  o.close();
  if (!o) fail_file("output", path, "cannot write");
  f.commit();
}

}  // namespace

std::vector<int64_t> ranked_nodes(const Explanation& e) {
  std::vector<int64_t> out;
  for (size_t v = 0; v < e.drug_score.size(); ++v)
    if (e.score(int64_t(v)) > 0) out.push_back(int64_t(v));
  std::stable_sort(out.begin(), out.end(), [&](int64_t a, int64_t b) { return e.score(a) > e.score(b); });
  return out;
}

std::vector<std::string> close_matches(const std::string& query, const std::vector<std::string>& candidates,
                                       size_t k) {
  Candidates c;
  for (const auto& s : candidates) c.emplace_back(s, s);
  return closest(query, c, k);
}

NodeMatch find_drug(const Graph& g, const Samples& s, const std::string& query) {
  const auto q = lower(query);
  std::map<int64_t, std::vector<std::string>> hits;  // drug node -> labels
  for (size_t d = 0; d < s.drug_pert_id.size(); ++d)
    if (lower(s.drug_pert_id[d]) == q || lower(s.drug_name[d]) == q) hits[s.drug_node[d]].push_back(compound_label(s, d));
  if (hits.empty()) {
    const int drug = node_type_index("drug");
    for (int64_t v = 0; v < g.num_nodes(); ++v)
      if (g.node_type[size_t(v)] == drug && (lower(g.node_name[size_t(v)]) == q || lower(g.node_id[size_t(v)]) == q))
        hits[v].push_back(fmt::format("{} ({})", g.node_name[size_t(v)], g.node_id[size_t(v)]));
  }
  if (hits.size() > 1) {
    std::vector<std::string> which;
    for (const auto& [v, labels] : hits) which.push_back(fmt::format("{} (node {})", fmt::join(labels, ", "), v));
    fail("drug \"{}\" names {} drug nodes: {}; give a pert_id", query, hits.size(), fmt::join(which, "; "));
  }
  if (hits.empty()) {
    Candidates cand;
    for (size_t d = 0; d < s.drug_pert_id.size(); ++d) {
      cand.emplace_back(s.drug_pert_id[d], compound_label(s, d));
      cand.emplace_back(s.drug_name[d], compound_label(s, d));
      cand.emplace_back(g.node_name[size_t(s.drug_node[d])], compound_label(s, d));
    }
    // Drug nodes of compounds are shown as the compound; the others by their name.
    const std::set<int64_t> compound_nodes(s.drug_node.begin(), s.drug_node.end());
    const int drug = node_type_index("drug");
    for (int64_t v = 0; v < g.num_nodes(); ++v)
      if (g.node_type[size_t(v)] == drug && !compound_nodes.count(v))
        cand.emplace_back(g.node_name[size_t(v)], g.node_name[size_t(v)]);
    not_found("drug", query, "by pert_id, compound name or drug node name", cand);
  }
  const auto& [node, labels] = *hits.begin();
  return {node, labels.size() == 1 ? labels[0] : fmt::format("{} (and {} more compounds of this node)", labels[0], labels.size() - 1)};
}

NodeMatch find_cell(const Graph& g, const Samples& s, const std::string& query) {
  const auto q = lower(query);
  for (size_t c = 0; c < s.cell_id.size(); ++c)
    if (lower(s.cell_id[c]) == q) return {s.cell_node[c], s.cell_id[c]};
  Candidates cand;
  for (const auto& id : s.cell_id) cand.emplace_back(id, id);
  not_found("cell line", query, "by cell id", cand);
}

Explanation explain_pair(const Config& cfg, const Graph& g, const Samples& s, const h5::Reader& run,
                         const NodeMatch& drug, const NodeMatch& cell) {
  if (cfg.model != "gat")
    fail_file("run", run.path(), "is a {} run; explain reads the attention of a GAT run", cfg.model);
  if (!run.has("/model"))
    fail_file("run", run.path(), "holds no model parameters (/model): it was written before run.h5 "
                                 "kept them; train it again");
  torch::manual_seed(0);  // the initial weights are all replaced
  auto model = make_model(cfg, g, s);
  auto& gat = dynamic_cast<GatModel&>(*model);
  load_parameters(run, "/model", gat);
  gat.eval();
  torch::NoGradGuard ng;
  const auto edges = prune_edges(graph_edge_set(g), {drug.node, cell.node}, gat.num_layers());
  const auto layers = attention_layers(gat.encode_with_attention(&edges));
  Explanation e;
  e.drug = drug, e.cell = cell;
  e.drug_score = attention_rollout(layers, g.num_nodes(), drug.node);
  e.cell_score = attention_rollout(layers, g.num_nodes(), cell.node);
  e.drug_paths = attention_paths(layers, drug.node, g.num_relations(), kMinPathScore);
  e.cell_paths = attention_paths(layers, cell.node, g.num_relations(), kMinPathScore);
  return e;
}

std::string path_text(const Graph& g, const AttentionPath& p) {
  std::string out = g.node_name[size_t(p.nodes[0])];
  for (size_t i = 0; i < p.rels.size(); ++i)
    out += fmt::format(" -[{}]-> {}", relation_name(g, p.rels[i]), g.node_name[size_t(p.nodes[i + 1])]);
  return out;
}

void write_nodes_tsv(const std::string& path, const Graph& g, const Explanation& e) {
  std::string text = "rank\tnode\tid\tname\ttype\tdrug_score\tcell_score\tscore\n";
  int64_t rank = 0;
  for (int64_t v : ranked_nodes(e))
    text += fmt::format("{}\t{}\t{}\t{}\t{}\t{:.6g}\t{:.6g}\t{:.6g}\n", ++rank, v, field(g.node_id[size_t(v)]),
                        field(g.node_name[size_t(v)]), type_name(g, v), e.drug_score[size_t(v)],
                        e.cell_score[size_t(v)], e.score(v));
  write_text(path, text);
}

void write_paths_tsv(const std::string& path, const Graph& g, const Explanation& e) {
  std::string text = "target\trank\tscore\talpha\thops\tpath\tnodes\trelations\n";
  for (const auto& [target, paths] : {std::pair{"drug", &e.drug_paths}, std::pair{"cell", &e.cell_paths}}) {
    int64_t rank = 0;
    for (const auto* p : real_paths(*paths)) {
      std::vector<std::string> rels;
      for (auto r : p->rels) rels.push_back(relation_name(g, r));
      text += fmt::format("{}\t{}\t{:.6g}\t{:.6g}\t{}\t{}\t{}\t{}\n", target, ++rank, p->score, p->alpha, p->rels.size(),
                          field(path_text(g, *p)), fmt::join(p->nodes, ","), fmt::join(rels, ","));
    }
  }
  write_text(path, text);
}

void write_dot(const std::string& path, const Graph& g, const Explanation& e, size_t top) {
  // One fill colour per node type (node_type_names() order).
  static const std::vector<std::string> colour{"#f4a582", "#92c5de", "#d6604d", "#fddbc7", "#b8e186",
                                               "#d9f0d3", "#e0e0e0", "#80cdc1", "#f6e8c3", "#c2a5cf",
                                               "#ffd92f"};
  std::vector<int64_t> nodes{e.drug.node, e.cell.node};
  auto add = [&](int64_t v) {
    if (std::find(nodes.begin(), nodes.end(), v) == nodes.end()) nodes.push_back(v);
  };
  const auto ranked = ranked_nodes(e);
  for (size_t i = 0; i < std::min(top, ranked.size()); ++i) add(ranked[i]);  // drawn even without a path
  std::map<std::tuple<int64_t, int64_t, int64_t>, double> edges;  // (src, dst, rel) -> summed path score
  for (const auto* paths : {&e.drug_paths, &e.cell_paths}) {
    const auto real = real_paths(*paths);
    for (size_t i = 0; i < std::min(top, real.size()); ++i) {
      const auto& p = *real[i];
      for (size_t k = 0; k < p.rels.size(); ++k) {
        add(p.nodes[k]), add(p.nodes[k + 1]);
        edges[{p.nodes[k], p.nodes[k + 1], p.rels[k]}] += p.score;
      }
    }
  }
  // A top node off those paths gets its best path into a target, so that no node floats alone.
  const size_t n_top = std::min(top, ranked.size());
  for (size_t i = 0; i < n_top; ++i) {
    const int64_t v = ranked[i];
    bool drawn = v == e.drug.node || v == e.cell.node;
    for (const auto& [key, s] : edges) drawn = drawn || std::get<0>(key) == v || std::get<1>(key) == v;
    const AttentionPath* best = nullptr;
    for (const auto* paths : {&e.drug_paths, &e.cell_paths})
      for (const auto* p : real_paths(*paths))
        if (!drawn && p->nodes.front() == v && (!best || p->score > best->score)) best = p;
    if (!best) continue;
    for (size_t k = 0; k < best->rels.size(); ++k) {
      add(best->nodes[k]), add(best->nodes[k + 1]);
      edges[{best->nodes[k], best->nodes[k + 1], best->rels[k]}] += best->score;
    }
  }
  double max_edge = 0;
  for (const auto& [key, s] : edges) max_edge = std::max(max_edge, s);

  std::string text = "// kgpert explain: attention rollout and top paths (render: dot -Tsvg explain.dot)\n";
  text += "digraph explain {\n";
  text += fmt::format("  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label={}];\n",
                      dot_quote(fmt::format("attention into {} and {}", e.drug.label, e.cell.label)));
  text += "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n";
  text += "  edge [fontname=\"Helvetica\", fontsize=8, color=\"#555555\"];\n";
  for (int64_t v : nodes) {
    const bool target = v == e.drug.node || v == e.cell.node;
    const auto t = size_t(g.node_type[size_t(v)]);
    text += fmt::format("  n{} [label={}, fillcolor=\"{}\"{}];\n", v,
                        dot_quote(fmt::format("{}\n{} · {:.3f}", g.node_name[size_t(v)], type_name(g, v), e.score(v))),
                        colour[t % colour.size()], target ? ", penwidth=3" : "");
  }
  for (const auto& [key, s] : edges) {
    const auto [u, v, r] = key;
    text += fmt::format("  n{} -> n{} [label={}, penwidth={:.2f}];\n", u, v, dot_quote(relation_name(g, r)),
                        1.0 + 5.0 * s / max_edge);
  }
  text += "}\n";
  write_text(path, text);
}

}  // namespace kg
