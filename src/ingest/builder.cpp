// GraphBuilder: PrimeKG kg.csv into nodes and edges, plus LINCS additions.
#include "ingest/builder.hpp"

#include <cctype>
#include <cmath>

#include "core/error.hpp"
#include "io/kgcsv.hpp"

namespace kg {

int32_t GraphBuilder::relation(const std::string& name) {
  auto it = rel_index_.find(name);
  if (it != rel_index_.end()) return it->second;
  relations_.push_back(name);
  return rel_index_[name] = int32_t(relations_.size() - 1);
}

int32_t GraphBuilder::find(int type, const std::string& id) const {
  auto it = by_key_.find(std::to_string(type) + "\t" + id);
  return it == by_key_.end() ? -1 : it->second;
}

int32_t GraphBuilder::add_node(int type, const std::string& id, const std::string& name,
                               const std::string& source) {
  auto key = std::to_string(type) + "\t" + id;
  if (by_key_.count(key)) fail("node {} \"{}\" of type {} added twice", id, name, node_type_names()[size_t(type)]);
  auto v = int32_t(type_.size());
  by_key_[key] = v;
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

void GraphBuilder::read_kg_csv(const std::string& path) {
  std::unordered_map<int64_t, int32_t> by_index;  // PrimeKG node index -> node
  auto node_of = [&](const KgRow& row, int64_t index, std::string_view id, std::string_view type,
                     std::string_view name, std::string_view source) -> int32_t {
    auto it = by_index.find(index);
    int t = node_type_index(std::string(type));
    if (t < 0 || t == node_type_index("cell_line"))
      fail("kg.csv \"{}\": line {}: unknown node type \"{}\"", path, row.line, type);
    if (it != by_index.end()) {
      int32_t v = it->second;
      if (type_[size_t(v)] != t || id_[size_t(v)] != id)
        fail("kg.csv \"{}\": line {}: node index {} was {} \"{}\" before, now {} \"{}\"", path, row.line,
             index, node_type_names()[size_t(type_[size_t(v)])], id_[size_t(v)], type, id);
      return v;
    }
    int32_t existing = find(t, std::string(id));
    int32_t v = existing >= 0 ? existing
                              : add_node(t, std::string(id), std::string(name), std::string(source));
    by_index[index] = v;
    return v;
  };
  kg::read_kg_csv(path, [&](const KgRow& row) {
    int32_t x = node_of(row, row.x_index, row.x_id, row.x_type, row.x_name, row.x_source);
    int32_t y = node_of(row, row.y_index, row.y_id, row.y_type, row.y_name, row.y_source);
    src_.push_back(x);
    dst_.push_back(y);
    rel_.push_back(relation(std::string(row.relation)));
  });
}

Graph GraphBuilder::finish() {
  Graph g;
  const int64_t N = num_nodes();
  g.relation_names = std::move(relations_);
  g.node_type = std::move(type_);
  g.node_id = std::move(id_);
  g.node_name = std::move(name_);
  g.node_source = std::move(source_);
  std::vector<int64_t> count(node_type_names().size(), 0);
  g.local_index.resize(size_t(N));
  for (int64_t v = 0; v < N; ++v) g.local_index[size_t(v)] = count[size_t(g.node_type[size_t(v)])]++;
  Graph::build_csr(N, dst_, src_, rel_, g.indptr);
  g.src = std::move(src_);
  g.rel = std::move(rel_);
  g.features.resize(node_type_names().size());
  for (size_t t = 0; t < count.size(); ++t) g.features[t].rows = count[t];
  by_key_.clear();
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

}  // namespace kg
