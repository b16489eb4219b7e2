// GatModel and MlpModel (see models.hpp): input assembly from Graph/Samples, built once, and
// the forward passes.
#include "model/models.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>

#include <fmt/ranges.h>  // fmt::join

#include "core/error.hpp"
#include "model/inputs.hpp"
#include "graph/sampler.hpp"
#include "model/registry.hpp"

namespace kg {

namespace F = torch::nn::functional;

namespace {

torch::Tensor to_tensor(const std::vector<int64_t>& v) {
  auto t = torch::empty({int64_t(v.size())}, torch::kInt64);
  if (!v.empty()) std::memcpy(t.data_ptr<int64_t>(), v.data(), v.size() * sizeof(int64_t));
  return t;
}

torch::Tensor to_tensor(const h5::Matrix<float>& m) {
  auto t = torch::empty({m.rows, m.cols}, torch::kFloat32);
  if (!m.data.empty()) std::memcpy(t.data_ptr<float>(), m.data.data(), m.data.size() * sizeof(float));
  return t;
}

// Signature -> graph node of its compound (which = drug) or cell line.
torch::Tensor sig_nodes(const Samples& s, bool drug) {
  std::vector<int64_t> v(static_cast<size_t>(s.num_signatures()));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = drug ? s.drug_node[size_t(s.sig_drug[i])] : s.cell_node[size_t(s.sig_cell[i])];
  return to_tensor(v);
}

}  // namespace

// The edges of the CSR graph (dst expanded from indptr), then the self-loops.
EdgeSet graph_edge_set(const Graph& g) {
  std::vector<int64_t> src(g.src.begin(), g.src.end()), rel(g.rel.begin(), g.rel.end());
  std::vector<int64_t> dst(src.size());
  for (int64_t v = 0; v < g.num_nodes(); ++v)
    for (int64_t e = g.indptr[size_t(v)]; e < g.indptr[size_t(v) + 1]; ++e) dst[size_t(e)] = v;
  return add_self_loops(EdgeSet{to_tensor(src), to_tensor(dst), to_tensor(rel), g.num_nodes()},
                        g.num_relations());
}

// Predictions at the targets are exactly those of the full graph; rows of other nodes are left
// incomplete and never read.
std::vector<EdgeSet> prune_edges(const EdgeSet& all, const std::vector<int64_t>& targets,
                                 int64_t layers) {
  const int64_t n = all.num_nodes, e = all.num_edges();
  const int64_t *src = all.src.data_ptr<int64_t>(), *dst = all.dst.data_ptr<int64_t>(),
                *rel = all.rel.data_ptr<int64_t>();
  std::vector<char> need(static_cast<size_t>(n), 0);
  for (int64_t v : targets) need[size_t(v)] = 1;
  std::vector<EdgeSet> out(static_cast<size_t>(layers));
  for (int64_t l = layers - 1; l >= 0; --l) {
    std::vector<int64_t> s2, d2, r2;
    for (int64_t i = 0; i < e; ++i)
      if (need[size_t(dst[i])]) s2.push_back(src[i]), d2.push_back(dst[i]), r2.push_back(rel[i]);
    for (int64_t v : s2) need[size_t(v)] = 1;
    out[size_t(l)] = EdgeSet{to_tensor(s2), to_tensor(d2), to_tensor(r2), n};
  }
  return out;
}

torch::Tensor dose_time_encoding(const Samples& s) { return to_tensor(dose_time_features(s)); }

namespace {

// `e` with its tensors on `d` (the same tensors when they are there already).
EdgeSet edges_on(const EdgeSet& e, const torch::Device& d) {
  if (e.src.device() == d) return e;
  return EdgeSet{e.src.to(d), e.dst.to(d), e.rel.to(d), e.num_nodes};
}

// One layer's step of the programs (gat.program_types) over [n_out] destinations:
// Π'_i = Σ_{j->i, j live} ᾱ_ij Π_j / Σ_{j->i, j live} ᾱ_ij, ᾱ = α [E, H] averaged over heads,
// where `live` sources carry a program (structurally: reached from a program node). Only their
// edges are gathered, so the [E, G] messages stay small although G is the gene count. Returns Π'
// and which destinations now carry one.
std::pair<torch::Tensor, torch::Tensor> propagate_programs(const torch::Tensor& prog, const torch::Tensor& live,
                                                           const torch::Tensor& src, const torch::Tensor& dst,
                                                           const torch::Tensor& alpha, int64_t n_out) {
  const auto keep = live.index_select(0, src).nonzero().squeeze(1);
  const auto s = src.index_select(0, keep), d = dst.index_select(0, keep);
  const auto a = alpha.mean(1).index_select(0, keep);               // [E']
  const auto total = torch::zeros({n_out}, a.options()).index_add(0, d, a);  // Σ ᾱ over live edges
  const auto w = (a / total.index_select(0, d)).unsqueeze(1);        // [E', 1]
  auto out = torch::zeros({n_out, prog.size(1)}, prog.options()).index_add(0, d, prog.index_select(0, s) * w);
  return {out, torch::zeros({n_out}, d.options().dtype(torch::kBool)).index_fill(0, d, true)};
}

}  // namespace

// ---- GatModel ------------------------------------------------------------------------------

// Parameters and buffers are registered in this order (the order of parameters(), of the
// optimiser's state and of a checkpoint), and the random initial values drawn in it.
GatModel::GatModel(const GatConfig& c, const Graph& g, const Samples& s, bool prune) : c_(c) {
  KG_CHECK(c.hidden % c.heads == 0);
  const std::vector<int64_t> offset = build_inputs(g);
  build_node_map(g, offset);
  build_sampler(g);
  sig_drug_node_ = register_buffer("sig_drug_node", sig_nodes(s, true));
  sig_cell_node_ = register_buffer("sig_cell_node", sig_nodes(s, false));
  build_edges(g, prune);
  build_layers(g.num_relations());
  dose_time_ = register_buffer("dose_time", dose_time_encoding(s));
  if (c.decoder == "programs") {
    build_programs_decoder(g, s);
  } else {
    build_mlp_decoder(s);
  }
}

// h0's inputs per node type: features, and a projection (or one vector per type) and node
// embeddings. Returns each type's first row in the stack of the types' features.
std::vector<int64_t> GatModel::build_inputs(const Graph& g) {
  const int64_t hidden = c_.hidden;
  std::vector<int64_t> offset(g.features.size(), 0);
  int64_t rows = 0;
  const int drug_type = node_type_index("drug");
  // A type with features gets its projection whether it has nodes or not: a rank's part of the
  // graph may lack a type the others have, and all ranks must hold the same parameters (cut_graph
  // keeps the widths). A type with neither nodes nor features is absent.
  for (size_t t = 0; t < g.features.size(); ++t) {
    offset[t] = rows;
    const auto& f = g.features[t];
    if (f.rows == 0 && f.cols == 0) continue;
    rows += f.rows;
    const std::string name = std::to_string(t);
    feats_.push_back(register_buffer("feat_" + name, to_tensor(f)));
    const auto& anon = c_.anonymous_types;
    const bool anonymous = std::find(anon.begin(), anon.end(), node_type_names()[t]) != anon.end();
    if (f.cols > 0 && !anonymous) {
      proj_.push_back(register_module("proj_" + name, torch::nn::Linear(f.cols, hidden)));
      type_emb_.emplace_back();
    } else {
      proj_.emplace_back(nullptr);
      type_emb_.push_back(register_parameter("type_emb_" + name, torch::randn({hidden}) * 0.1));
    }
    const bool is_drug = int(t) == drug_type;
    if (is_drug) drug_slot_ = int64_t(feats_.size()) - 1;
    // Drug nodes get none: a compound's own vector would only memorise training compounds; nor
    // do anonymous types (one vector per type is all they have).
    node_emb_.push_back(c_.node_embeddings && !is_drug && !anonymous && f.rows > 0
                            ? register_parameter("node_emb_" + name, torch::randn({f.rows, hidden}) * 0.1)
                            : torch::Tensor());
  }
  return offset;
}

// Each node's row in the stacked per-type inputs (node_perm_), and its type slot and row in
// that type (for sampling).
void GatModel::build_node_map(const Graph& g, const std::vector<int64_t>& offset) {
  std::vector<int64_t> perm(static_cast<size_t>(g.num_nodes())), slot_of_type(g.features.size(), -1);
  for (size_t t = 0, k = 0; t < g.features.size(); ++t)
    if (g.features[t].rows > 0 || g.features[t].cols > 0) slot_of_type[t] = int64_t(k++);
  node_slot_.resize(perm.size()), node_row_.resize(perm.size());
  for (size_t v = 0; v < perm.size(); ++v) {
    const size_t t = size_t(g.node_type[v]);
    KG_CHECK(g.local_index[v] >= 0 && g.local_index[v] < g.features[t].rows);
    perm[v] = offset[t] + g.local_index[v];
    node_slot_[v] = slot_of_type[t], node_row_[v] = g.local_index[v];
  }
  node_perm_ = register_buffer("node_perm", to_tensor(perm));
}

// Neighbour sampling (gat.fanouts): the graph's CSR and the sampler's seed.
void GatModel::build_sampler(const Graph& g) {
  if (!c_.fanouts.empty()) {
    KG_CHECK(int64_t(c_.fanouts.size()) == c_.layers);
    csr_.node_type = g.node_type, csr_.indptr = g.indptr, csr_.src = g.src, csr_.rel = g.rel;
  }
  // Drawn only when sampling, so that models without it initialise exactly as before.
  sample_state_ = register_buffer("sample_state", torch::zeros({2}, torch::kInt64));
  if (!c_.fanouts.empty()) sample_state_[0] = torch::randint(int64_t(1) << 62, {}, torch::kInt64);
}

// Each layer's edges (with self-loops): with `prune`, only those that reach the signatures'
// drug and cell nodes.
void GatModel::build_edges(const Graph& g, bool prune) {
  const EdgeSet all = graph_edge_set(g);
  if (prune) {
    std::vector<int64_t> targets(sig_drug_node_.data_ptr<int64_t>(),
                                 sig_drug_node_.data_ptr<int64_t>() + sig_drug_node_.numel());
    targets.insert(targets.end(), sig_cell_node_.data_ptr<int64_t>(),
                   sig_cell_node_.data_ptr<int64_t>() + sig_cell_node_.numel());
    std::sort(targets.begin(), targets.end());
    targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
    edges_ = prune_edges(all, targets, c_.layers);
  } else {
    edges_.assign(size_t(c_.layers), all);
  }
  for (int64_t l = 0; l < c_.layers; ++l) {
    const std::string name = std::to_string(l);
    register_buffer("edge_src_" + name, edges_[size_t(l)].src);
    register_buffer("edge_dst_" + name, edges_[size_t(l)].dst);
    register_buffer("edge_rel_" + name, edges_[size_t(l)].rel);
  }
}

// The GAT layers over `relations` relations (self-loops included).
void GatModel::build_layers(int64_t relations) {
  for (int64_t l = 0; l < c_.layers; ++l) {
    GatLayerOptions o;
    o.in_dim = c_.hidden, o.channels = c_.hidden / c_.heads, o.heads = c_.heads, o.num_relations = relations;
    o.rel_dim = c_.rel_dim, o.attn_dropout = c_.attn_dropout, o.self_loops = false;
    // The fused kernel's α carries no gradient; the programs' paths need one through α.
    o.fused = c_.kernel == "fused" && c_.program_types.empty();
    o.relation_softmax = c_.relation_softmax;
    layers_.push_back(register_module("gat_" + std::to_string(l), GatLayer(o)));
  }
}

// gat.decoder: programs — the activity and cell parts, then learned programs P and their gate,
// or (gat.program_types) the programs of nodes, and the compounds' own programs.
void GatModel::build_programs_decoder(const Graph& g, const Samples& s) {
  const int64_t hidden = c_.hidden;
  activity_ = register_module("activity", torch::nn::Linear(hidden + 2, 1));
  cell_part_ = register_module("cell_part", torch::nn::Linear(hidden, s.num_genes()));
  if (c_.program_types.empty()) {
    gate_ = register_module("gate", torch::nn::Linear(hidden, hidden));
    programs_ = register_module("programs", torch::nn::Linear(torch::nn::LinearOptions(hidden, s.num_genes()).bias(false)));
  } else {
    build_node_programs(g, s);
  }
  KG_CHECK(c_.program_init == "random" || !c_.program_types.empty(), "gat.program_init: {} needs gat.program_types",
           c_.program_init);
  KG_CHECK(c_.cell_gate == "gene" || !c_.program_types.empty(), "gat.cell_gate: {} needs gat.program_types", c_.cell_gate);
  if (c_.compound_programs) build_compound_programs(s);
}

// gat.program_types: a program V_v per node of those types (each node's row in V, the others
// the zero row n), and the cell gate, per gene or per program (gat.cell_gate).
void GatModel::build_node_programs(const Graph& g, const Samples& s) {
  std::vector<int> types;
  for (const auto& name : c_.program_types) types.push_back(node_type_index(name));
  std::vector<int64_t> row(static_cast<size_t>(g.num_nodes()));
  int64_t n = 0;
  for (size_t v = 0; v < row.size(); ++v)
    row[v] = std::find(types.begin(), types.end(), int(g.node_type[v])) != types.end() ? n++ : -1;
  for (auto& r : row) if (r < 0) r = n;  // initial_programs' zero row
  program_row_ = register_buffer("program_row", to_tensor(row));
  node_programs_ = register_parameter("node_programs", torch::randn({n, s.num_genes()}) * 0.01);
  KG_CHECK(c_.cell_gate == "gene" || c_.cell_gate == "program", "gat.cell_gate \"{}\"", c_.cell_gate);
  if (c_.cell_gate == "program") {  // starts neutral (every gate 1): the mix as the attention gives it
    program_gate_ = register_module("program_gate", torch::nn::Linear(c_.hidden, n));
    for (auto& p : program_gate_->parameters()) p.detach().zero_();
    mix_table_ = register_buffer("mix_table", torch::eye(n));
  } else {
    program_gate_ = register_module("program_gate", torch::nn::Linear(c_.hidden, s.num_genes()));
  }
}

// gat.compound_programs: a program per compound (rows by drug-type index, zero at start), and
// each signature's row in them.
void GatModel::build_compound_programs(const Samples& s) {
  KG_CHECK(!c_.program_types.empty(), "gat.compound_programs needs gat.program_types");
  KG_CHECK(drug_slot_ >= 0, "gat.compound_programs: the graph has no drug nodes");
  std::vector<int64_t> rows(static_cast<size_t>(s.num_signatures()));
  const int64_t* drug_of = sig_drug_node_.data_ptr<int64_t>();
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = node_row_[size_t(drug_of[i])];
  sig_compound_ = register_buffer("sig_compound", to_tensor(rows));
  compound_programs_ =
      register_parameter("compound_programs", torch::zeros({feats_[size_t(drug_slot_)].size(0), s.num_genes()}));
}

// gat.decoder: mlp — the head on [h_drug ‖ h_cell ‖ dose/time]; none of the programs' keys.
void GatModel::build_mlp_decoder(const Samples& s) {
  KG_CHECK(c_.program_types.empty(), "gat.program_types needs gat.decoder: programs (it is {})", c_.decoder);
  KG_CHECK(c_.program_init == "random", "gat.program_init: {} needs gat.decoder: programs with gat.program_types", c_.program_init);
  KG_CHECK(!c_.compound_programs, "gat.compound_programs needs gat.decoder: programs with gat.program_types");
  KG_CHECK(c_.cell_gate == "gene", "gat.cell_gate: {} needs gat.decoder: programs with gat.program_types", c_.cell_gate);
  KG_CHECK(c_.decoder == "mlp", "gat.decoder \"{}\"", c_.decoder);
  head_ = register_module(
      "head", torch::nn::Sequential(torch::nn::Linear(2 * c_.hidden + 2, c_.head_hidden),
                                    torch::nn::ReLU(), torch::nn::Dropout(c_.dropout),
                                    torch::nn::Linear(c_.head_hidden, s.num_genes())));
}

torch::Tensor GatModel::head(const torch::Tensor& hd, const torch::Tensor& hc, const torch::Tensor& sig,
                             const torch::Tensor& pd) {
  auto dt = dose_time_.index_select(0, sig);  // [B, 2]
  if (head_) return head_->forward(torch::cat({hd, hc, dt}, 1));  // [B, G]
  auto r = torch::sigmoid(activity_(torch::cat({hd, dt}, 1)));  // [B, 1]
  if (pd.defined()) {
    const auto gate = 1 + torch::tanh(program_gate_(hc));  // [B, G] or [B, n_programs]
    const bool by_program = mix_table_.defined();          // pd: the mix M [B, n] rather than Π [B, G]
    auto p = by_program ? (pd * gate).mm(node_programs_) : pd;
    if (compound_programs_.defined()) p = p + compound_programs_.index_select(0, sig_compound_.index_select(0, sig));
    return r * ((by_program ? p : gate * p) + cell_part_(hc));  // [B, G]
  }
  auto z = hd * (1 + torch::tanh(gate_(hc)));
  z = F::dropout(z, F::DropoutFuncOptions().p(c_.dropout).training(is_training()));
  return r * (programs_(z) + cell_part_(hc));  // [B, G]
}

std::pair<torch::Tensor, torch::Tensor> GatModel::initial_programs(const torch::Tensor& nodes, const torch::Tensor& table) {
  const auto& v = table.defined() ? table : node_programs_;
  const auto rows = program_row_.index_select(0, nodes);
  const auto padded = torch::cat({v, torch::zeros({1, v.size(1)}, v.options())});
  return {padded.index_select(0, rows), rows.lt(node_programs_.size(0))};
}

namespace {

// Mean over rows of the Pearson correlation of rows of a and b [n, G] (0 for a constant row).
double mean_row_pearson(const torch::Tensor& a, const torch::Tensor& b) {
  const auto ac = a - a.mean(1, true), bc = b - b.mean(1, true);
  const auto den = (ac.norm(2, 1) * bc.norm(2, 1)).clamp_min(1e-300);
  return ((ac * bc).sum(1) / den).mean().item<double>();
}

constexpr auto kF64 = torch::kFloat64;

// What fit_programs works on (float64), and its fit as each step refines it.
struct ProgramProblem {
  int64_t n = 0, G = 0;                 // programs, genes
  bool has_val = false;                 // validation signatures to choose the penalties on
  torch::Tensor tr, va;                 // training and validation signature rows
  torch::Tensor nodes, inv_tr, inv_va;  // the compounds' drug nodes D' (train ∪ val); each signature's row in them
  torch::Tensor cells, cell_inv;        // the training cell lines C; each training signature's row in them
  torch::Tensor M;                      // the mix [D', n] of the drug nodes
  torch::Tensor y_tr, n_d, X_tr;        // responses [S_train, G], signatures per drug node [D'], x_s [S_train, n]
  torch::Tensor Xbar, Ybar;             // cell line means x̄_c [C, n], ȳ_c [C, G]
  torch::Tensor K, B;                   // the fixed-effects Gram [n, n] and its right-hand side [n, G]
  torch::Tensor y_va, vc, Yv0, Xv;      // validation: responses, cell rows (C: unseen), prediction Yv0 + Xv U
  double scale = 0;                     // K's mean diagonal: the unit of the penalties
  torch::Tensor U, b, pred_va;          // the fit [n, G], the gates [C + 1, n], its validation predictions
  int64_t D() const { return nodes.size(0); }
  int64_t C() const { return cells.size(0); }
};

// The signatures by compound (the drug nodes of training and validation, sorted) and by cell
// line (training only).
ProgramProblem index_signatures(const std::vector<int64_t>& train, const std::vector<int64_t>& val,
                                const torch::Tensor& sig_drug_node, const torch::Tensor& sig_cell_node) {
  ProgramProblem p;
  p.has_val = !val.empty();
  p.tr = to_tensor(train), p.va = to_tensor(val);
  const auto drug_tr = sig_drug_node.index_select(0, p.tr), drug_va = sig_drug_node.index_select(0, p.va);
  torch::Tensor inverse;
  std::tie(p.nodes, inverse) = torch::_unique(torch::cat({drug_tr, drug_va}), /*sorted=*/true, /*return_inverse=*/true);
  p.inv_tr = inverse.slice(0, 0, p.tr.size(0)), p.inv_va = inverse.slice(0, p.tr.size(0));
  std::tie(p.cells, p.cell_inv) = torch::_unique(sig_cell_node.index_select(0, p.tr), true, true);
  return p;
}

// Fixed-effects ridge on the training signatures, by sums over compounds and cell lines:
// with x_s = M[drug s] and c(s) its cell line, K = Σ_s (x_s − x̄_c)(x_s − x̄_c)ᵀ =
// Mᵀ diag(n_d) M − X̄ᵀ diag(n_c) X̄ and B = Σ_s (x_s − x̄_c) y_sᵀ = Mᵀ S − X̄ᵀ diag(n_c) Ȳ.
void ridge_sums(ProgramProblem& p, const torch::Tensor& y) {
  const int64_t D = p.D(), C = p.C();
  p.y_tr = y.index_select(0, p.tr).to(kF64);
  p.n_d = torch::zeros({D}, kF64).index_add(0, p.inv_tr, torch::ones({p.tr.size(0)}, kF64));
  const auto n_c = torch::zeros({C}, kF64).index_add(0, p.cell_inv, torch::ones({p.tr.size(0)}, kF64));
  const auto S = torch::zeros({D, p.G}, kF64).index_add(0, p.inv_tr, p.y_tr);  // Σ y by compound
  p.X_tr = p.M.index_select(0, p.inv_tr);                                      // [S_train, n]
  p.Xbar = torch::zeros({C, p.n}, kF64).index_add(0, p.cell_inv, p.X_tr) / n_c.unsqueeze(1);
  p.Ybar = torch::zeros({C, p.G}, kF64).index_add(0, p.cell_inv, p.y_tr) / n_c.unsqueeze(1);
  p.K = p.M.t().mm(p.M * p.n_d.unsqueeze(1)) - p.Xbar.t().mm(p.Xbar * n_c.unsqueeze(1));
  p.B = p.M.t().mm(S) - p.Xbar.t().mm(p.Ybar * n_c.unsqueeze(1));
}

// Validation: cell lines by their training row (unseen ones: the mean over training); a
// validation signature's prediction is then Yv0 + Xv U.
void validation_design(ProgramProblem& p, const torch::Tensor& y, const torch::Tensor& sig_cell_node, int64_t N) {
  std::vector<int64_t> cell_row(static_cast<size_t>(N), p.C());
  for (int64_t c = 0; c < p.C(); ++c) cell_row[size_t(p.cells[c].item<int64_t>())] = c;
  const auto Ybar_ext = torch::cat({p.Ybar, p.y_tr.mean(0, true)}), Xbar_ext = torch::cat({p.Xbar, p.X_tr.mean(0, true)});
  p.vc = to_tensor(cell_row).index_select(0, sig_cell_node.index_select(0, p.va));
  p.y_va = y.index_select(0, p.va).to(kF64);
  p.Yv0 = Ybar_ext.index_select(0, p.vc), p.Xv = p.M.index_select(0, p.inv_va) - Xbar_ext.index_select(0, p.vc);
}

// The ridge fit U of the penalty α = scale × 10^(k/2), 1e-3 … 1e2, with the highest validation
// Pearson (without validation signatures: the smallest).
void choose_alpha(ProgramProblem& p, GatModel::ProgramFit& fit) {
  auto [lambda, Q] = torch::linalg_eigh(p.K);  // K = Q diag(λ) Qᵀ
  const auto QB = Q.t().mm(p.B);
  p.scale = std::max(p.K.diagonal().mean().item<double>(), 1e-12);
  fit.val_pearson = -2;
  for (int k = -6; k <= 4; ++k) {
    const double alpha = p.scale * std::pow(10.0, k / 2.0);
    const auto Ua = Q.mm(QB / (lambda.clamp_min(0) + alpha).unsqueeze(1));  // [n, G]
    if (!p.has_val) { p.U = Ua, fit.alpha = alpha; break; }
    const auto pred = p.Yv0 + p.Xv.mm(Ua);
    const double r = mean_row_pearson(pred, p.y_va);
    if (r > fit.val_pearson) fit.val_pearson = r, fit.alpha = alpha, p.U = Ua, p.pred_va = pred;
  }
}

// Per training cell line c, with x̃_s = x_s − x̄_c and ỹ_s = y_s − ȳ_c over its signatures:
// K_c = Σ x̃_s x̃_sᵀ [n, n] and B_c = Σ x̃_s ỹ_sᵀ [n, G].
std::pair<std::vector<torch::Tensor>, std::vector<torch::Tensor>> cell_grams(const ProgramProblem& p) {
  const auto Xc = p.X_tr - p.Xbar.index_select(0, p.cell_inv), Yc = p.y_tr - p.Ybar.index_select(0, p.cell_inv);
  std::vector<torch::Tensor> Kc, Bc;
  for (int64_t c = 0; c < p.C(); ++c) {
    const auto rows = p.cell_inv.eq(c).nonzero().squeeze(1);
    const auto xc = Xc.index_select(0, rows);
    Kc.push_back(xc.t().mm(xc));
    Bc.push_back(xc.t().mm(Yc.index_select(0, rows)));
  }
  return {Kc, Bc};
}

// The gates b_c given U: ((K_c ⊙ U Uᵀ) + λ_c I) b_c = rowsum(B_c ⊙ U) + λ_c (shrunk towards 1),
// λ_c = mean diag(K_c ⊙ U Uᵀ) × 10^k; then scaled and clamped into the gate's range, and the
// unseen cell lines' row set to the mean gate. bk [C + 1, n].
void gates_given_programs(const std::vector<torch::Tensor>& Kc, const std::vector<torch::Tensor>& Bc,
                          const torch::Tensor& Uk, int k, torch::Tensor& bk) {
  const int64_t C = int64_t(Kc.size());
  const auto UU = Uk.mm(Uk.t());
  for (int64_t c = 0; c < C; ++c) {
    auto A = Kc[size_t(c)] * UU;
    const double lam = std::max(A.diagonal().mean().item<double>(), 1e-12) * std::pow(10.0, k);
    A.diagonal().add_(lam);
    const auto rhs = (Bc[size_t(c)] * Uk).sum(1, true) + lam;
    bk[c].copy_(torch::linalg_solve(A, rhs).squeeze(1));
  }
  // b_c,p U_p is all that counts: a program's gates scaled down into the gate's range
  // (U takes the scale back below), then clamped; unseen cell lines get the mean gate.
  auto seen = bk.slice(0, 0, C);
  seen.div_(std::get<0>(seen.max(0)).div(1.9).clamp_min(1)).clamp_(0.05, 1.95);
  bk[C].copy_(seen.mean(0));
}

// U given the gates: (Σ_c (b_c b_cᵀ ⊙ K_c) + α' I) U = Σ_c diag(b_c) B_c, α' = alpha_rel in
// proportion to the Gram's scale.
torch::Tensor programs_given_gates(const std::vector<torch::Tensor>& Kc, const std::vector<torch::Tensor>& Bc,
                                   const torch::Tensor& bk, double alpha_rel) {
  auto Kb = torch::zeros({Kc[0].size(0), Kc[0].size(0)}, kF64);
  auto Bb = torch::zeros({Bc[0].size(0), Bc[0].size(1)}, kF64);
  for (size_t c = 0; c < Kc.size(); ++c) {
    Kb += bk[int64_t(c)].unsqueeze(1) * bk[int64_t(c)].unsqueeze(0) * Kc[c];
    Bb += bk[int64_t(c)].unsqueeze(1) * Bc[c];
  }
  const double a = alpha_rel * std::max(Kb.diagonal().mean().item<double>(), 1e-12);
  Kb.diagonal().add_(a);
  return torch::cholesky_solve(Bb, torch::linalg_cholesky(Kb));
}

// gat.cell_gate: program — gates b [C, n] per training cell line and program: the mix of a
// signature is b_c ⊙ x_s (x̃_s = x_s − x̄_c then scales by b_c as well). Alternating least
// squares from b = 1 (3 rounds of gates_given_programs, programs_given_gates, U's penalty α' the
// chosen α in proportion to the Gram's scale), the gates' penalty 10^k from a grid by
// validation; kept only if it beats the ungated fit. Cell lines validation does not train on
// get the mean gate.
void fit_cell_gates(ProgramProblem& p, GatModel::ProgramFit& fit) {
  fit.gate_lambda = std::numeric_limits<double>::infinity();
  const auto [Kc, Bc] = cell_grams(p);
  const double alpha_rel = fit.alpha / p.scale;
  for (int k = -2; k <= 2 && p.has_val; ++k) {
    auto bk = torch::ones({p.C() + 1, p.n}, kF64);
    torch::Tensor Uk = p.U;
    for (int it = 0; it < 3; ++it) {
      gates_given_programs(Kc, Bc, Uk, k, bk);
      Uk = programs_given_gates(Kc, Bc, bk, alpha_rel);
    }
    const auto pred = p.Yv0 + (p.Xv * bk.index_select(0, p.vc)).mm(Uk);
    const double r = mean_row_pearson(pred, p.y_va);
    if (r > fit.val_pearson) fit.val_pearson = r, fit.gate_lambda = std::pow(10.0, k), p.U = Uk, p.b = bk, p.pred_va = pred;
  }
}

// The compounds' own programs, on the residuals r_s of the fit: W_d = Σ r_s / (n_d + β), β =
// mean n_d × 10^(k/2), 0.01 … 100, by validation. W [D', G], undefined unless one beats the fit.
torch::Tensor choose_compound_programs(const ProgramProblem& p, GatModel::ProgramFit& fit) {
  fit.compound_beta = std::numeric_limits<double>::infinity();
  const auto bt = p.b.index_select(0, p.cell_inv);  // [S_train, n], ones unless gated
  const auto resid = p.y_tr - p.Ybar.index_select(0, p.cell_inv) - ((p.X_tr - p.Xbar.index_select(0, p.cell_inv)) * bt).mm(p.U);
  const auto R = torch::zeros({p.D(), p.G}, kF64).index_add(0, p.inv_tr, resid);  // Σ r by compound
  const double mean_n = double(p.tr.size(0)) / std::max<double>(1, p.n_d.gt(0).sum().item<double>());
  torch::Tensor best;
  for (int k = -4; k <= 4 && p.has_val; ++k) {
    const double beta = mean_n * std::pow(10.0, k / 2.0);
    const auto W = R / (p.n_d + beta).unsqueeze(1);
    const double r = mean_row_pearson(p.pred_va + W.index_select(0, p.inv_va), p.y_va);
    if (r > fit.val_pearson) fit.val_pearson = r, fit.compound_beta = beta, best = W;
  }
  return best;
}

// Linear maps of the training cell lines' states: W h_c + b = T_c by least squares (the
// minimum-norm one, through the dual: C equations, hidden + 1 unknowns per output).
class CellLeastSquares {
 public:
  CellLeastSquares(const torch::Tensor& h_cells, int64_t hidden) : hidden_(hidden) {
    const int64_t C = h_cells.size(0);
    H1_ = torch::cat({h_cells.to(kF64), torch::ones({C, 1}, kF64)}, 1);  // [C, hidden + 1]
    auto gram = H1_.mm(H1_.t());
    gram.diagonal().add_(1e-9 * std::max(gram.diagonal().mean().item<double>(), 1e-12));
    chol_ = torch::linalg_cholesky(gram);
  }
  void set(torch::nn::Linear& lin, const torch::Tensor& T) const {  // T [C, out]
    const auto W = H1_.t().mm(torch::cholesky_solve(T, chol_));       // [hidden + 1, out]
    lin->weight.copy_(W.slice(0, 0, hidden_).t());
    lin->bias.copy_(W[hidden_]);
  }

 private:
  int64_t hidden_;
  torch::Tensor H1_, chol_;
};

}  // namespace

// The mix M [nodes, n_programs] of programs at `nodes` under the attention of `att` (Π with
// V = I), in column chunks of V = I so that no [N, n_programs] matrix is held at once; float64.
torch::Tensor GatModel::program_mix(const GatAttention& att, const torch::Tensor& nodes) {
  const int64_t N = att.h.size(0), n = node_programs_.size(0);
  const int64_t chunk = std::max<int64_t>(1, (int64_t(1) << 25) / std::max<int64_t>(N, 1));
  std::vector<torch::Tensor> cols;
  const auto all = torch::arange(N, torch::kInt64);
  for (int64_t a = 0; a < n; a += chunk) {
    const int64_t k = std::min(chunk, n - a);
    auto table = torch::zeros({n, k});
    table.slice(0, a, a + k).copy_(torch::eye(k));
    auto [prog, live] = initial_programs(all, table);
    for (size_t l = 0; l < layers_.size(); ++l) {
      const EdgeSet& es = att.edges[l];
      std::tie(prog, live) = propagate_programs(prog, live, es.src, es.dst, att.alpha[l], N);
    }
    cols.push_back(prog.index_select(0, nodes));
  }
  return torch::cat(cols, 1).to(kF64);
}

GatModel::ProgramFit GatModel::fit_programs(const torch::Tensor& y, const std::vector<int64_t>& train,
                                            const std::vector<int64_t>& val) {
  KG_CHECK(carries_programs(), "gat.program_init: {} needs gat.program_types", c_.program_init);
  KG_CHECK(!train.empty(), "no training signatures to fit the programs on");
  torch::NoGradGuard ng;
  const bool was_training = is_training();
  eval();
  for (auto& p : activity_->parameters()) p.zero_();      // r = 1/2
  for (auto& p : program_gate_->parameters()) p.zero_();  // no cell gate
  const GatAttention att = encode_with_attention();
  const auto h = att.h.slice(1, 0, c_.hidden);

  ProgramProblem p = index_signatures(train, val, sig_drug_node_, sig_cell_node_);
  p.n = node_programs_.size(0), p.G = y.size(1);
  p.M = program_mix(att, p.nodes);
  ridge_sums(p, y);
  validation_design(p, y, sig_cell_node_, h.size(0));
  ProgramFit fit;
  choose_alpha(p, fit);
  p.b = torch::ones({p.C() + 1, p.n}, kF64);  // + the unseen cell lines' row
  if (mix_table_.defined()) fit_cell_gates(p, fit);
  if (compound_programs_.defined()) {
    compound_programs_.zero_();
    const auto W = choose_compound_programs(p, fit);
    if (W.defined()) {  // rows by the drug nodes' row in their type
      std::vector<int64_t> row(static_cast<size_t>(p.D()));
      for (int64_t i = 0; i < p.D(); ++i) row[size_t(i)] = node_row_[size_t(p.nodes[i].item<int64_t>())];
      compound_programs_.index_copy_(0, to_tensor(row), (2 * W).to(compound_programs_.scalar_type()));
    }
  }

  // V = 2U; Q h_c + b = 2 (Ȳ_c − X̄_c U) over the training cell lines; the gates:
  // W' h_c + b' = atanh(b_c − 1) the same way (zero when ungated).
  node_programs_.copy_(2 * p.U);
  const CellLeastSquares on_cells(h.index_select(0, p.cells), c_.hidden);
  on_cells.set(cell_part_, 2 * (p.Ybar - (p.Xbar * p.b.slice(0, 0, p.C())).mm(p.U)));  // [C, G]
  if (mix_table_.defined() && !std::isinf(fit.gate_lambda)) on_cells.set(program_gate_, torch::atanh(p.b.slice(0, 0, p.C()) - 1));

  fit.programs = p.n;
  const auto reached = p.M.abs().sum(1).gt(0).index_select(0, std::get<0>(torch::_unique(p.inv_tr)));
  fit.drug_nodes = reached.size(0);
  fit.reached = reached.sum().item<int64_t>();
  this->train(was_training);
  return fit;
}

std::vector<torch::Tensor> GatModel::fitted_parameters() {
  KG_CHECK(carries_programs(), "no programs to fit (gat.program_types)");
  std::vector<torch::Tensor> out{node_programs_};
  if (compound_programs_.defined()) out.push_back(compound_programs_);
  for (auto* m : {&cell_part_, &activity_, &program_gate_})
    for (auto& p : (*m)->parameters()) out.push_back(p);
  return out;
}

torch::Tensor GatModel::encode() { return run_layers(edges_, nullptr); }

GatAttention GatModel::encode_with_attention(const std::vector<EdgeSet>* edges) {
  GatAttention out;
  out.edges = edges ? *edges : edges_;
  KG_CHECK(out.edges.size() == layers_.size(), "{} edge sets for {} layers", out.edges.size(), layers_.size());
  out.h = run_layers(out.edges, &out.alpha);
  return out;
}

torch::Tensor GatModel::slot_input(size_t k, const torch::Tensor& rows) {
  const bool all = !rows.defined();
  const int64_t n = all ? feats_[k].size(0) : rows.size(0);
  auto h = proj_[k] ? proj_[k](all ? feats_[k] : feats_[k].index_select(0, rows))
                    : type_emb_[k].unsqueeze(0).expand({n, c_.hidden});
  if (node_emb_[k].defined()) h = h + (all ? node_emb_[k] : node_emb_[k].index_select(0, rows));
  if (int64_t(k) == drug_slot_ && c_.drug_dropout >= 1)  // never: the drug is its neighbours
    h = torch::zeros_like(h);
  else if (int64_t(k) == drug_slot_ && c_.drug_dropout > 0 && is_training())  // whole rows, unscaled
    h = h * (torch::rand({n, 1}) >= c_.drug_dropout).to(h.device(), h.scalar_type());  // CPU draws: one stream
  return h;  // [n, hidden]
}

torch::Tensor GatModel::run_layers(const std::vector<EdgeSet>& edges, std::vector<torch::Tensor>* alpha) {
  std::vector<torch::Tensor> parts;  // h0 per type [n_t, hidden]
  for (size_t k = 0; k < feats_.size(); ++k) parts.push_back(slot_input(k, {}));
  auto h = torch::cat(parts).index_select(0, node_perm_);  // h0 [N, hidden]
  torch::Tensor prog, live;  // Π [N, G] (gat.program_types), or the mix [N, n] (gat.cell_gate: program)
  if (carries_programs())
    std::tie(prog, live) = initial_programs(torch::arange(h.size(0), h.options().dtype(torch::kInt64)), mix_table_);
  auto drop = F::DropoutFuncOptions().p(c_.dropout).training(is_training());
  for (size_t l = 0; l < layers_.size(); ++l) {
    const EdgeSet es = edges_on(edges[l], h.device());
    torch::Tensor z;
    if (alpha || prog.defined()) {
      auto [out, a] = layers_[l]->forward_with_attention(F::dropout(h, drop), es.src, es.dst, es.rel);
      z = out;
      if (alpha) alpha->push_back(a);  // α [E_l, H]
      if (prog.defined()) std::tie(prog, live) = propagate_programs(prog, live, es.src, es.dst, a, h.size(0));
    } else {
      z = layers_[l](F::dropout(h, drop), es.src, es.dst, es.rel);
    }
    if (l + 1 < layers_.size()) z = F::elu(z);
    h = c_.residual ? h + z : z;
  }
  return prog.defined() ? torch::cat({h, prog}, 1) : h;
}

torch::Tensor GatModel::input_rows(const std::vector<int64_t>& nodes) {
  std::vector<std::vector<int64_t>> rows(feats_.size()), at(feats_.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const auto k = size_t(node_slot_[size_t(nodes[i])]);
    rows[k].push_back(node_row_[size_t(nodes[i])]);
    at[k].push_back(int64_t(i));
  }
  std::vector<torch::Tensor> parts;
  std::vector<int64_t> order;  // order[j] = position in `nodes` of row j of cat(parts)
  for (size_t k = 0; k < feats_.size(); ++k) {
    if (rows[k].empty()) continue;
    parts.push_back(slot_input(k, on_device(rows[k])));
    order.insert(order.end(), at[k].begin(), at[k].end());
  }
  std::vector<int64_t> inverse(order.size());
  for (size_t j = 0; j < order.size(); ++j) inverse[size_t(order[j])] = int64_t(j);
  return torch::cat(parts).index_select(0, on_device(inverse));
}

torch::Tensor GatModel::on_device(const std::vector<int64_t>& v) const { return to_tensor(v).to(device()); }

void GatModel::move_to(const torch::Device& d) {
  to(d);
  sample_state_.set_data(sample_state_.cpu());  // the sampler reads and counts it on the host
}

torch::Tensor GatModel::predict(const torch::Tensor& sig) {
  if (is_training() && !c_.fanouts.empty()) return predict_sampled(sig);
  return decode(encode(), sig);
}

void GatModel::skip_step() {
  if (is_training() && !c_.fanouts.empty()) ++sample_state_.data_ptr<int64_t>()[1];
}

torch::Tensor GatModel::predict_sampled(const torch::Tensor& sig, int64_t* nodes_used) {
  KG_CHECK(!c_.fanouts.empty(), "predict_sampled needs gat.fanouts");
  // Targets: the batch's distinct drug and cell nodes; each signature's two local rows.
  // On the host, where the sampler runs.
  auto dn = sig_drug_node_.index_select(0, sig).cpu().contiguous();
  auto cn = sig_cell_node_.index_select(0, sig).cpu().contiguous();
  const int64_t b = sig.size(0), *dp = dn.data_ptr<int64_t>(), *cp = cn.data_ptr<int64_t>();
  std::vector<int64_t> targets, drug_row(static_cast<size_t>(b)), cell_row(static_cast<size_t>(b));
  std::unordered_map<int64_t, int64_t> row_of;
  auto row = [&](int64_t v) {
    auto [it, fresh] = row_of.emplace(v, int64_t(targets.size()));
    if (fresh) targets.push_back(v);
    return it->second;
  };
  for (int64_t i = 0; i < b; ++i) {
    drug_row[size_t(i)] = row(dp[i]);
    cell_row[size_t(i)] = row(cp[i]);
  }
  auto st = sample_state_.data_ptr<int64_t>();
  const uint64_t seed = uint64_t(st[0]) * 0x9E3779B97F4A7C15ull + uint64_t(st[1]);
  ++st[1];
  const auto layers = int64_t(layers_.size());
  SampledBlocks blk = sample_blocks(csr_, targets, c_.fanouts, layers, seed, c_.sample_per_relation);
  if (nodes_used) *nodes_used = int64_t(blk.nodes.size());

  auto h = input_rows(blk.nodes);  // [count[0], hidden]
  torch::Tensor prog, live;        // Π or the mix (gat.program_types)
  if (carries_programs()) std::tie(prog, live) = initial_programs(on_device(blk.nodes), mix_table_);
  auto drop = F::DropoutFuncOptions().p(c_.dropout).training(is_training());
  const int64_t self_rel = layers_[0]->options().num_relations;  // the self-loop relation R
  for (int64_t l = 0; l < layers; ++l) {
    const int64_t n_out = blk.count[size_t(l) + 1];
    // The block's edges, made on the host, go to the model's device (the fused kernel groups
    // them on the host again: gat.cpp).
    auto loops = torch::arange(n_out, torch::kInt64);
    auto src = torch::cat({to_tensor(blk.src[size_t(l)]), loops}).to(device());
    auto dst = torch::cat({to_tensor(blk.dst[size_t(l)]), loops}).to(device());
    auto rel = torch::cat({to_tensor(blk.rel[size_t(l)]), torch::full({n_out}, self_rel, torch::kInt64)}).to(device());
    torch::Tensor z;
    if (prog.defined()) {
      auto [out, a] = layers_[size_t(l)]->forward_with_attention(F::dropout(h, drop), src, dst, rel);
      z = out.slice(0, 0, n_out);
      std::tie(prog, live) = propagate_programs(prog, live, src, dst, a, n_out);
    } else {
      z = layers_[size_t(l)](F::dropout(h, drop), src, dst, rel).slice(0, 0, n_out);
    }
    if (l + 1 < layers) z = F::elu(z);
    h = c_.residual ? h.slice(0, 0, n_out) + z : z;
  }
  const auto drugs = on_device(drug_row);
  return head(h.index_select(0, drugs), h.index_select(0, on_device(cell_row)), sig,
              prog.defined() ? prog.index_select(0, drugs) : torch::Tensor());
}

torch::Tensor GatModel::decode(const torch::Tensor& state, const torch::Tensor& sig) {
  const auto h = state.slice(1, 0, c_.hidden);  // [h ‖ Π] with gat.program_types
  const auto drugs = sig_drug_node_.index_select(0, sig);
  return head(h.index_select(0, drugs), h.index_select(0, sig_cell_node_.index_select(0, sig)), sig,
              carries_programs() ? state.slice(1, c_.hidden).index_select(0, drugs) : torch::Tensor());
}

// ---- MLP baseline ----------------------------------------------------------------------------

DrugTargets drug_target_multihot(const Graph& g, const Samples& s) {
  DrugTargets out;
  const int64_t nd = int64_t(s.drug_node.size());
  const int rel = g.relation_index("drug_protein");
  const int gene_type = node_type_index("gene/protein");
  std::vector<std::pair<int64_t, int64_t>> hits;  // (compound, column)
  if (rel >= 0) {
    std::unordered_map<int64_t, std::vector<int64_t>> compounds_of;  // drug node -> compounds
    for (int64_t d = 0; d < nd; ++d) compounds_of[s.drug_node[size_t(d)]].push_back(d);
    for (int64_t v = 0; v < g.num_nodes(); ++v) {
      if (g.node_type[size_t(v)] != gene_type) continue;
      bool targeted = false;
      for (int64_t e = g.indptr[size_t(v)]; e < g.indptr[size_t(v) + 1]; ++e) {
        if (g.rel[size_t(e)] != rel) continue;
        auto it = compounds_of.find(g.src[size_t(e)]);
        if (it == compounds_of.end()) continue;
        for (int64_t d : it->second) hits.emplace_back(d, int64_t(out.target_node.size()));
        targeted = true;
      }
      if (targeted) out.target_node.push_back(v);
    }
  }
  out.multihot.rows = nd;
  out.multihot.cols = int64_t(out.target_node.size());
  out.multihot.data.assign(size_t(nd * out.multihot.cols), 0.0f);
  for (auto [d, col] : hits) out.multihot.row(d)[col] = 1.0f;
  return out;
}

MlpModel::MlpModel(const MlpConfig& c, const Graph& g, const Samples& s, bool drug_inputs)
    : drug_inputs_(drug_inputs) {
  if (drug_inputs) {
    auto drug_feats = to_tensor(node_feature_rows(g, s.drug_node, "drug"));  // [D, d_drug]
    auto targets = to_tensor(drug_target_multihot(g, s).multihot);           // [D, T]
    drug_in_ = register_buffer("drug_in", torch::cat({drug_feats, targets}, 1));
  }
  cell_in_ = register_buffer("cell_in", to_tensor(node_feature_rows(g, s.cell_node, "cell line")));
  dose_time_ = register_buffer("dose_time", dose_time_encoding(s));
  std::vector<int64_t> sd(s.sig_drug.begin(), s.sig_drug.end()), sc(s.sig_cell.begin(), s.sig_cell.end());
  sig_drug_ = register_buffer("sig_drug", to_tensor(sd));
  sig_cell_ = register_buffer("sig_cell", to_tensor(sc));
  input_dim_ = (drug_inputs ? drug_in_.size(1) : 0) + cell_in_.size(1) + 2;

  net_ = register_module("net", torch::nn::Sequential());
  int64_t width = input_dim_;
  for (int64_t l = 0; l < c.layers; ++l) {
    net_->push_back(torch::nn::Linear(width, c.hidden));
    net_->push_back(torch::nn::ReLU());
    net_->push_back(torch::nn::Dropout(c.dropout));
    width = c.hidden;
  }
  net_->push_back(torch::nn::Linear(width, s.num_genes()));
}

torch::Tensor MlpModel::inputs(const torch::Tensor& sig) const {
  std::vector<torch::Tensor> parts;
  if (drug_inputs_) parts.push_back(drug_in_.index_select(0, sig_drug_.index_select(0, sig)));
  parts.push_back(cell_in_.index_select(0, sig_cell_.index_select(0, sig)));
  parts.push_back(dose_time_.index_select(0, sig));
  return torch::cat(parts, 1);  // [B, input_dim]
}

torch::Tensor MlpModel::decode(const torch::Tensor&, const torch::Tensor& sig) {
  return net_->forward(inputs(sig));  // [B, G]
}

// The factory is the registry's (model/registry.cpp).
std::shared_ptr<PerturbationModel> make_model(const Config& cfg, const Graph& g, const Samples& s) {
  const ModelInfo* m = find_model(cfg.model);
  if (m && m->make) return m->make(cfg, g, s);
  std::vector<std::string> trained;
  for (const auto& row : model_table())
    if (row.make) trained.push_back(row.name);
  fail("model \"{}\" is not trained by gradient (expected {})", cfg.model, fmt::join(trained, ", "));
}

}  // namespace kg
