// GraphBuilder: PrimeKG kg.csv into nodes and edges, plus LINCS additions.
#include "ingest/builder.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "io/kgcsv.hpp"

namespace kg {

namespace {

// kg.csv indices below this map through a flat vector (PrimeKG's are 0..129374); larger ones
// through a hash map, so a file with a few huge indices cannot make us allocate gigabytes.
constexpr int64_t kDenseIndexLimit = int64_t(1) << 24;

int kg_type_index(std::string_view type) {
  const auto& names = node_type_names();
  for (size_t t = 0; t < names.size(); ++t)
    if (names[t] == type) return names[t] == "cell_line" ? -1 : int(t);
  return -1;
}

}  // namespace

std::string GraphBuilder::key(int type, std::string_view id) {
  std::string k = std::to_string(type);
  k += '\t';
  k.append(id.data(), id.size());
  return k;
}

int32_t GraphBuilder::relation(std::string_view name) {
  // kg.csv lists a relation's rows together, so the last hit is almost always the answer.
  if (last_rel_ >= 0 && relations_[size_t(last_rel_)] == name) return last_rel_;
  for (size_t r = 0; r < relations_.size(); ++r)
    if (relations_[r] == name) return last_rel_ = int32_t(r);
  relations_.emplace_back(name);
  return last_rel_ = int32_t(relations_.size() - 1);
}

int32_t GraphBuilder::find(int type, const std::string& id) const {
  auto it = by_key_.find(key(type, id));
  return it == by_key_.end() ? -1 : it->second;
}

int32_t GraphBuilder::add_node(int type, const std::string& id, const std::string& name,
                               const std::string& source) {
  auto v = int32_t(type_.size());
  if (!by_key_.emplace(key(type, id), v).second)
    fail("node {} \"{}\" of type {} added twice", id, name, node_type_names()[size_t(type)]);
  type_.push_back(type);
  id_.push_back(id);
  name_.push_back(name);
  source_.push_back(source);
  return v;
}

void GraphBuilder::add_undirected(int32_t x, int32_t y, const std::string& rel) {
  int32_t r = relation(rel);
  src_.push_back(x); dst_.push_back(y); rel_.push_back(r);
  src_.push_back(y); dst_.push_back(x); rel_.push_back(r);
}

int32_t GraphBuilder::kg_node(const std::string& path, int64_t line, int64_t index,
                              std::string_view id, std::string_view type, std::string_view name,
                              std::string_view source) {
  int32_t* slot;
  if (index >= 0 && index < kDenseIndexLimit) {
    if (size_t(index) >= node_of_index_.size())
      node_of_index_.resize(std::max(size_t(index) + 1, 2 * node_of_index_.size()), -1);
    slot = &node_of_index_[size_t(index)];
  } else {
    slot = &sparse_index_.try_emplace(index, -1).first->second;
  }
  if (*slot >= 0) {  // seen before: the common case, comparisons only
    const auto v = size_t(*slot);
    const std::string& seen_type = node_type_names()[size_t(type_[v])];
    if (seen_type != type || id_[v] != id)
      fail("kg.csv \"{}\": line {}: node index {} was {} \"{}\" before, now {} \"{}\"", path, line,
           index, seen_type, id_[v], type, id);
    return *slot;
  }
  int t = kg_type_index(type);
  if (t < 0) fail("kg.csv \"{}\": line {}: unknown node type \"{}\"", path, line, type);
  // Another index with the same (type, id) is the same node (merged, counted).
  std::string id_s(id);
  int32_t v = find(t, id_s);
  if (v < 0) v = add_node(t, id_s, std::string(name), std::string(source));
  else ++counts_.merged_indices;
  return *slot = v;
}

void GraphBuilder::read_kg_csv(const std::string& path) {
  // Reserve for the rows the file can hold (>= ~100 bytes each): no regrowth copies; the
  // untouched tail of the reservation is never paged in.
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  if (!ec) {
    const size_t rows = src_.size() + size_t(bytes / 96) + 16;
    src_.reserve(rows); dst_.reserve(rows); rel_.reserve(rows);
  }
  kg::read_kg_csv(path, [&](const KgRow& row) {
    int32_t x = kg_node(path, row.line, row.x_index, row.x_id, row.x_type, row.x_name, row.x_source);
    int32_t y = kg_node(path, row.line, row.y_index, row.y_id, row.y_type, row.y_name, row.y_source);
    counts_.self_loops += x == y;
    src_.push_back(x);
    dst_.push_back(y);
    rel_.push_back(relation(row.relation));
  });
}

Graph GraphBuilder::finish() {
  Graph g;
  const int64_t N = num_nodes();
  const auto E = size_t(num_edges());
  // Counting sort by destination into (src << 32 | rel) keys, so that sorting a row by the
  // key sorts it by (src, rel); the edge list is freed before the CSR arrays are made.
  g.indptr.assign(size_t(N) + 1, 0);
  for (int32_t d : dst_) ++g.indptr[size_t(d) + 1];
  for (int64_t v = 0; v < N; ++v) g.indptr[size_t(v) + 1] += g.indptr[size_t(v)];
  std::vector<uint64_t> keyed(E);
  {
    std::vector<int64_t> next(g.indptr.begin(), g.indptr.end() - 1);
    for (size_t e = 0; e < E; ++e)
      keyed[size_t(next[size_t(dst_[e])]++)] = (uint64_t(uint32_t(src_[e])) << 32) | uint32_t(rel_[e]);
  }
  std::vector<int32_t>().swap(src_);
  std::vector<int32_t>().swap(dst_);
  std::vector<int32_t>().swap(rel_);
#pragma omp parallel for schedule(dynamic, 4096)
  for (int64_t v = 0; v < N; ++v)
    std::sort(keyed.begin() + g.indptr[size_t(v)], keyed.begin() + g.indptr[size_t(v) + 1]);
  // An edge given twice (kg.csv repeating a row: same x, y and relation) is one edge: parallel
  // copies would weigh twice in attention and degrees. Merged (sorted rows: copies are
  // adjacent) and counted. In place: a write never passes the entry being read.
  size_t kept = 0;
  for (int64_t v = 0, b = 0; v < N; ++v) {  // b: the row's start before compaction
    const int64_t end = g.indptr[size_t(v) + 1];
    for (int64_t e = b; e < end; ++e)
      if (e == b || keyed[size_t(e)] != keyed[size_t(e) - 1]) keyed[kept++] = keyed[size_t(e)];
    g.indptr[size_t(v) + 1] = int64_t(kept);
    b = end;
  }
  counts_.duplicate_edges += int64_t(E - kept);
  const size_t E_kept = kept;
  g.src.resize(E_kept);
  g.rel.resize(E_kept);
  for (size_t e = 0; e < E_kept; ++e) {
    g.src[e] = int32_t(keyed[e] >> 32);
    g.rel[e] = int32_t(uint32_t(keyed[e]));
  }
  std::vector<uint64_t>().swap(keyed);

  g.relation_names = std::move(relations_);
  g.node_type = std::move(type_);
  g.node_id = std::move(id_);
  g.node_name = std::move(name_);
  g.node_source = std::move(source_);
  std::vector<int64_t> count(node_type_names().size(), 0);
  g.local_index.resize(size_t(N));
  for (int64_t v = 0; v < N; ++v) g.local_index[size_t(v)] = count[size_t(g.node_type[size_t(v)])]++;
  g.features.resize(node_type_names().size());
  for (size_t t = 0; t < count.size(); ++t) g.features[t].rows = count[t];
  by_key_.clear();
  node_of_index_.clear();
  sparse_index_.clear();
  last_rel_ = -1;
  return g;
}

std::string normalise_name(const std::string& name) {
  std::string out;
  for (unsigned char c : name)
    if (std::isalnum(c)) out += char(std::tolower(c));
  return out;
}

void hashed_name_features(const std::string& name, float* out, int64_t dim) {
  std::fill(out, out + dim, 0.f);
  auto add = [&](const std::string& token) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a 64
    for (unsigned char c : token) h = (h ^ c) * 1099511628211ull;
    out[h % uint64_t(dim)] += (h >> 63) ? 1.f : -1.f;
  };
  std::string word;
  for (unsigned char c : name) {
    if (std::isalnum(c)) {
      word += char(std::tolower(c));
    } else if (!word.empty()) {
      add(word);
      word.clear();
    }
  }
  if (!word.empty()) add(word);
  add("\x01" + name);  // the whole name: distinct names get distinct vectors
  double norm = 0;
  for (int64_t i = 0; i < dim; ++i) norm += double(out[i]) * out[i];
  if (norm > 0)
    for (int64_t i = 0; i < dim; ++i) out[i] = float(out[i] / std::sqrt(norm));
}

std::string kg_counts_line(const KgCounts& c, const std::string& path) {
  if (c.duplicate_edges == 0 && c.self_loops == 0 && c.merged_indices == 0) return "";
  return fmt::format("ingest: kg.csv \"{}\": {} repeated edges merged, {} self-loop rows kept, "
                     "{} node ids under more than one index merged\n",
                     path, c.duplicate_edges, c.self_loops, c.merged_indices);
}

Graph build_kg_graph(const Config& cfg, KgCounts* counts) {
  const std::string& path = cfg.inputs.kg_csv;
  if (path.empty()) fail("inputs.kg_csv is not set (PrimeKG's kg.csv)");
  GraphBuilder b;
  b.read_kg_csv(path);
  Graph g = b.finish();
  if (counts) *counts = b.counts();
  for (auto& f : g.features) {
    f.cols = cfg.ingest.name_dim;
    f.data.assign(size_t(f.rows * f.cols), 0.f);
  }
#pragma omp parallel for schedule(dynamic, 1024)
  for (int64_t v = 0; v < g.num_nodes(); ++v) {
    auto& f = g.features[size_t(g.node_type[size_t(v)])];
    hashed_name_features(g.node_name[size_t(v)], f.row(g.local_index[size_t(v)]), f.cols);
  }
  g.validate("graph from kg.csv \"" + path + "\"");
  return g;
}

}  // namespace kg
