// Graph/Samples/Split: CSR construction, validation, and their HDF5 layouts
// (graph.h5, samples.h5, split.h5; documented in docs/FORMATS.md and checked when read).
#include "graph/graph.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <tuple>

#include "core/error.hpp"

namespace kg {

int node_type_index(const std::string& name) {
  const auto& t = node_type_names();
  auto it = std::find(t.begin(), t.end(), name);
  return it == t.end() ? -1 : int(it - t.begin());
}

int Graph::relation_index(const std::string& name) const {
  auto it = std::find(relation_names.begin(), relation_names.end(), name);
  return it == relation_names.end() ? -1 : int(it - relation_names.begin());
}

void Graph::build_csr(int64_t num_nodes, std::vector<int32_t>& dst, std::vector<int32_t>& src,
                      std::vector<int32_t>& rel, std::vector<int64_t>& indptr) {
  const size_t E = dst.size();
  KG_CHECK(src.size() == E && rel.size() == E);
  // Counting sort by destination, then sort each row by (src, rel).
  indptr.assign(size_t(num_nodes) + 1, 0);
  for (auto d : dst) ++indptr[size_t(d) + 1];
  std::partial_sum(indptr.begin(), indptr.end(), indptr.begin());
  std::vector<int64_t> fill(indptr.begin(), indptr.end() - 1);
  std::vector<int32_t> s2(E), r2(E);
  for (size_t e = 0; e < E; ++e) {
    int64_t pos = fill[size_t(dst[e])]++;
    s2[size_t(pos)] = src[e];
    r2[size_t(pos)] = rel[e];
  }
  std::vector<std::pair<int32_t, int32_t>> row;
  for (int64_t v = 0; v < num_nodes; ++v) {
    auto b = size_t(indptr[size_t(v)]), e = size_t(indptr[size_t(v) + 1]);
    row.clear();
    for (size_t i = b; i < e; ++i) row.emplace_back(s2[i], r2[i]);
    std::sort(row.begin(), row.end());
    for (size_t i = b; i < e; ++i) std::tie(s2[i], r2[i]) = row[i - b];
  }
  for (int64_t v = 0; v < num_nodes; ++v)
    std::fill(dst.begin() + indptr[size_t(v)], dst.begin() + indptr[size_t(v) + 1], int32_t(v));
  src = std::move(s2);
  rel = std::move(r2);
}

void Graph::validate(const std::string& origin) const {
  const int64_t N = num_nodes(), E = num_edges(), T = int64_t(node_type_names().size());
  auto bad = [&](const std::string& why) { fail("{}: {}", origin, why); };
  if (int64_t(local_index.size()) != N || int64_t(node_id.size()) != N ||
      int64_t(node_name.size()) != N || int64_t(node_source.size()) != N)
    bad("node arrays differ in length");
  if (int64_t(indptr.size()) != N + 1 || indptr.front() != 0 || indptr.back() != E)
    bad("edges/indptr does not match the edge count");
  if (int64_t(rel.size()) != E) bad("edges/rel does not match the edge count");
  if (int64_t(features.size()) != T) bad("one feature matrix per node type expected");
  std::vector<int64_t> count(size_t(T), 0);
  for (int64_t v = 0; v < N; ++v) {
    if (node_type[size_t(v)] < 0 || node_type[size_t(v)] >= T) bad(fmt::format("node {}: bad type", v));
    if (local_index[size_t(v)] != count[size_t(node_type[size_t(v)])]++)
      bad(fmt::format("node {}: local index out of order", v));
    if (indptr[size_t(v) + 1] < indptr[size_t(v)]) bad("edges/indptr not monotone");
  }
  for (int64_t t = 0; t < T; ++t)
    if (features[size_t(t)].rows != count[size_t(t)] && features[size_t(t)].rows != 0)
      bad(fmt::format("features of \"{}\" have {} rows for {} nodes", node_type_names()[size_t(t)],
                      features[size_t(t)].rows, count[size_t(t)]));
  for (int64_t e = 0; e < E; ++e) {
    if (src[size_t(e)] < 0 || src[size_t(e)] >= N) bad(fmt::format("edge {}: source out of range", e));
    if (rel[size_t(e)] < 0 || rel[size_t(e)] >= num_relations())
      bad(fmt::format("edge {}: relation out of range", e));
  }
}

// ---- graph.h5 ------------------------------------------------------------------------------
void write_graph(h5::Writer& w, const Graph& g) {
  w.attr("/", "format", "kgpert-graph-1");
  w.write_strings("/types/name", node_type_names());
  w.write_strings("/relations/name", g.relation_names);
  w.write("/nodes/type", g.node_type);
  w.write("/nodes/local_index", g.local_index);
  w.write_strings("/nodes/id", g.node_id);
  w.write_strings("/nodes/name", g.node_name);
  w.write_strings("/nodes/source", g.node_source);
  w.write("/edges/indptr", g.indptr);
  w.write("/edges/src", g.src);
  w.write("/edges/rel", g.rel);
  const auto& types = node_type_names();
  for (size_t t = 0; t < types.size(); ++t) {
    const auto& f = g.features[t];
    std::string name = types[t];
    std::replace(name.begin(), name.end(), '/', '_');
    w.write("/features/" + name, f.data.data(), {hsize_t(f.rows), hsize_t(f.cols)});
  }
}

Graph read_graph(const std::string& path) {
  h5::Reader r(path);
  std::string origin = fmt::format("graph \"{}\"", path);
  r.require_format("graph", "kgpert-graph-1");
  if (r.read_strings("/types/name") != node_type_names())
    fail("{}: node types differ from this version of kgpert", origin);
  Graph g;
  g.relation_names = r.read_strings("/relations/name");
  g.node_type = r.read<int32_t>("/nodes/type");
  g.local_index = r.read<int64_t>("/nodes/local_index");
  g.node_id = r.read_strings("/nodes/id");
  g.node_name = r.read_strings("/nodes/name");
  g.node_source = r.read_strings("/nodes/source");
  g.indptr = r.read<int64_t>("/edges/indptr");
  g.src = r.read<int32_t>("/edges/src");
  g.rel = r.read<int32_t>("/edges/rel");
  for (auto name : node_type_names()) {
    std::replace(name.begin(), name.end(), '/', '_');
    g.features.push_back(r.read_matrix<float>("/features/" + name));
  }
  g.validate(origin);
  return g;
}

// ---- samples.h5 ----------------------------------------------------------------------------
void Samples::validate(const std::string& origin, int64_t num_nodes, bool check_y) const {
  auto bad = [&](const std::string& why) { fail("{}: {}", origin, why); };
  const size_t G = gene_id.size(), D = drug_pert_id.size(), C = cell_id.size(), S = sig_id.size();
  if (gene_symbol.size() != G || gene_node.size() != G) bad("gene arrays differ in length");
  if (drug_name.size() != D || drug_smiles.size() != D || drug_match.size() != D || drug_node.size() != D)
    bad("drug arrays differ in length");
  if (cell_node.size() != C) bad("cell arrays differ in length");
  if (sig_drug.size() != S || sig_cell.size() != S || dose_um.size() != S || time_h.size() != S)
    bad("signature arrays differ in length");
  if (check_y && (size_t(y.rows) != S || size_t(y.cols) != G))
    bad(fmt::format("signatures/y is {}x{}, expected {}x{}", y.rows, y.cols, S, G));
  for (size_t i = 0; i < S; ++i)
    if (sig_drug[i] < 0 || size_t(sig_drug[i]) >= D || sig_cell[i] < 0 || size_t(sig_cell[i]) >= C)
      bad(fmt::format("signature {}: drug or cell index out of range", i));
  for (auto v : drug_node)
    if (v < 0 || v >= num_nodes) bad("drug node out of range");
  for (auto v : cell_node)
    if (v < 0 || v >= num_nodes) bad("cell node out of range");
}

void write_samples(h5::Writer& w, const Samples& s) {
  w.attr("/", "format", "kgpert-samples-1");
  w.write_strings("/genes/id", s.gene_id);
  w.write_strings("/genes/symbol", s.gene_symbol);
  w.write("/genes/node", s.gene_node);
  w.write_strings("/drugs/pert_id", s.drug_pert_id);
  w.write_strings("/drugs/name", s.drug_name);
  w.write_strings("/drugs/smiles", s.drug_smiles);
  w.write_strings("/drugs/match", s.drug_match);
  w.write("/drugs/node", s.drug_node);
  w.write_strings("/cells/id", s.cell_id);
  w.write("/cells/node", s.cell_node);
  w.write_strings("/signatures/id", s.sig_id);
  w.write("/signatures/drug", s.sig_drug);
  w.write("/signatures/cell", s.sig_cell);
  w.write("/signatures/dose_um", s.dose_um);
  w.write("/signatures/time_h", s.time_h);
  w.write("/signatures/y", s.y, /*compress=*/false);  // z-scores: see Writer::write
}

Samples read_samples(const std::string& path, bool with_y) {
  h5::Reader r(path);
  std::string origin = fmt::format("samples \"{}\"", path);
  r.require_format("samples", "kgpert-samples-1");
  Samples s;
  s.gene_id = r.read_strings("/genes/id");
  s.gene_symbol = r.read_strings("/genes/symbol");
  s.gene_node = r.read<int64_t>("/genes/node");
  s.drug_pert_id = r.read_strings("/drugs/pert_id");
  s.drug_name = r.read_strings("/drugs/name");
  s.drug_smiles = r.read_strings("/drugs/smiles");
  s.drug_match = r.read_strings("/drugs/match");
  s.drug_node = r.read<int64_t>("/drugs/node");
  s.cell_id = r.read_strings("/cells/id");
  s.cell_node = r.read<int64_t>("/cells/node");
  s.sig_id = r.read_strings("/signatures/id");
  s.sig_drug = r.read<int32_t>("/signatures/drug");
  s.sig_cell = r.read<int32_t>("/signatures/cell");
  s.dose_um = r.read<float>("/signatures/dose_um");
  s.time_h = r.read<float>("/signatures/time_h");
  if (with_y) {
    s.y = r.read_matrix<float>("/signatures/y");
  } else {
    const auto shape = r.shape("/signatures/y");
    if (shape.size() != 2) r.fail("/signatures/y", fmt::format("{} dimensions, expected 2", shape.size()));
    if (shape[0] != s.sig_id.size() || shape[1] != s.gene_id.size())
      r.fail("/signatures/y", fmt::format("{}x{}, expected {}x{}", shape[0], shape[1], s.sig_id.size(),
                                          s.gene_id.size()));
    s.y.cols = int64_t(shape[1]);
  }
  s.validate(origin, std::numeric_limits<int64_t>::max(), with_y);
  return s;
}

std::vector<double> dose_time_stats(const Samples& s) {
  std::vector<double> out;
  const double n = double(std::max<int64_t>(s.num_signatures(), 1));
  for (const auto* v : {&s.dose_um, &s.time_h}) {
    double mean = 0, sq = 0;
    for (float x : *v) mean += std::log1p(std::max(0.0, double(x)));
    mean /= n;
    for (float x : *v) {
      const double d = std::log1p(std::max(0.0, double(x))) - mean;
      sq += d * d;
    }
    out.push_back(mean);
    out.push_back(std::sqrt(sq / n));
  }
  return out;
}

void select_signatures(Samples& s, const std::vector<int64_t>& rows, const std::string& path, int64_t block_rows) {
  const int64_t S = s.num_signatures(), G = s.num_genes();
  for (size_t i = 0; i < rows.size(); ++i)
    KG_CHECK(rows[i] >= 0 && rows[i] < S && (i == 0 || rows[i] > rows[i - 1]), "signature rows must be sorted and distinct");
  if (s.dose_time_norm.empty()) s.dose_time_norm = dose_time_stats(s);
  auto keep = [&](auto& v) {
    std::remove_reference_t<decltype(v)> out;
    out.reserve(rows.size());
    for (auto i : rows) out.push_back(std::move(v[size_t(i)]));
    v.swap(out);
  };
  keep(s.sig_id), keep(s.sig_drug), keep(s.sig_cell), keep(s.dose_um), keep(s.time_h);

  // Rows in blocks of ~16 MB: a block is read when it holds a wanted row.
  h5::Reader r(path);
  const int64_t block =
      block_rows > 0 ? block_rows : std::max<int64_t>(1, (int64_t(16) << 20) / std::max<int64_t>(G * 4, 1));
  s.y = {std::vector<float>(rows.size() * size_t(G)), int64_t(rows.size()), G};
  for (size_t i = 0; i < rows.size();) {
    const int64_t first = rows[i] / block * block, count = std::min(block, S - first);
    const auto m = r.read_rows<float>("/signatures/y", first, count);
    if (m.cols != G) r.fail("/signatures/y", fmt::format("{} columns, expected {}", m.cols, G));
    for (; i < rows.size() && rows[i] < first + count; ++i)
      std::copy(m.row(rows[i] - first), m.row(rows[i] - first) + G, s.y.row(int64_t(i)));
  }
}

// ---- split.h5 ------------------------------------------------------------------------------
void write_split(h5::Writer& w, const Split& s) {
  w.attr("/", "format", "kgpert-split-1");
  w.attr("/", "kind", s.kind);
  w.write("/train", s.train);
  w.write("/val", s.val);
  w.write("/test", s.test);
  w.write_strings("/drug_group", s.drug_group);
}

Split read_split(const std::string& path, int64_t num_signatures) {
  h5::Reader r(path);
  std::string origin = fmt::format("split \"{}\"", path);
  r.require_format("split", "kgpert-split-1");
  Split s;
  s.kind = r.attr_string("/", "kind");
  s.train = r.read<int64_t>("/train");
  s.val = r.read<int64_t>("/val");
  s.test = r.read<int64_t>("/test");
  s.drug_group = r.read_strings("/drug_group");
  std::vector<char> seen(size_t(num_signatures), 0);
  for (const auto* part : {&s.train, &s.val, &s.test})
    for (auto i : *part) {
      if (i < 0 || i >= num_signatures)
        fail("{}: signature index {} out of range (samples have {}); was it made from another samples.h5?",
             origin, i, num_signatures);
      if (seen[size_t(i)]++) fail("{}: signature {} is in two parts", origin, i);
    }
  return s;
}

}  // namespace kg
