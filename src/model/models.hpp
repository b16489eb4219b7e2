// The two perturbation models behind one interface: the GAT over the knowledge graph and the
// paper's MLP baseline. Both map a batch of signatures to predicted expression changes [B, G].
#pragma once

#include <memory>
#include <vector>

#include "core/config.hpp"
#include "graph/graph.hpp"
#include "model/gat.hpp"

namespace kg {

/// A model predicting, for signatures s (indices into Samples), their [G] expression changes.
/// Training evaluates predict(); evaluation of many signatures calls encode() once and
/// decode() per chunk, so the GAT encodes the graph once for the whole set.
class PerturbationModel : public torch::nn::Module {
 public:
  /// State shared by all signatures of a step ([N, hidden] node embeddings for the GAT;
  /// undefined for the MLP).
  virtual torch::Tensor encode() = 0;
  /// Predictions [B, G] for signature indices sig [B] (int64) from encode()'s state.
  virtual torch::Tensor decode(const torch::Tensor& state, const torch::Tensor& sig) = 0;
  /// Predictions for one training or evaluation batch (a model may sample for it).
  virtual torch::Tensor predict(const torch::Tensor& sig) { return decode(encode(), sig); }
  /// A training step this process has no signature in (data parallel): advances whatever
  /// predict() would have, so that every rank's model state stays in step.
  virtual void skip_step() {}
  /// Buffers that are training state rather than built from the inputs (a sampler's seed and
  /// counter): data-parallel ranks start from rank 0's. The others may differ between ranks
  /// (each holds its own part of the graph and of the signatures).
  virtual std::vector<torch::Tensor> state_buffers() { return {}; }
  /// Moves the parameters and buffers to `d` (train.device, train/device.hpp); the signature
  /// indices given to predict() and decode() must then be there too. What a model reads on the
  /// host (a sampler's state) stays on the CPU.
  virtual void move_to(const torch::Device& d) { to(d); }
};

/// Builds the model named by cfg.model ("gat", "mlp" or "cell_mlp") for this graph and these
/// samples. The closed-form baselines (cell_mean, knn, ridge) are in baselines.hpp.
std::shared_ptr<PerturbationModel> make_model(const Config& cfg, const Graph& g, const Samples& s);

/// Dose/time encoding [S, 2] float: dose_time_features (inputs.hpp) as a tensor.
torch::Tensor dose_time_encoding(const Samples& s);

/// Every edge of the graph as an EdgeSet (CSR order), with one self-loop per node of
/// relation R = g.num_relations() appended: what each GAT layer runs on without pruning.
EdgeSet graph_edge_set(const Graph& g);

/// The edges each of `layers` GAT layers needs when only the outputs at `targets` are read:
/// the last layer the edges into the targets, each earlier layer also the edges into the
/// sources of the next layer's edges (every incoming edge of a needed node, so its softmax is
/// that of the full graph). `all` is a graph_edge_set(); result [layers].
std::vector<EdgeSet> prune_edges(const EdgeSet& all, const std::vector<int64_t>& targets, int64_t layers);

/// What GatModel::encode_with_attention returns: the node states after the last layer and,
/// per layer l, the edges it ran on and their attention α [E_l, H] (self-loops included).
struct GatAttention {
  torch::Tensor h;                  // [N, hidden], as encode()
  std::vector<EdgeSet> edges;       // [L]
  std::vector<torch::Tensor> alpha; // [L] of [E_l, H]
};

/// GAT encoder + DEG head:
///   h0_v = Lin_type(v)(features_v)      type-specific projection to `hidden`; node types whose
///          (+ e_v)                      features have 0 columns (or that gat.anonymous_types
///                                       names) get one learned vector per type;
///                                       gat.node_embeddings adds a learned e_v per node of every
///                                       type but drugs and the anonymous ones (pathways,
///                                       proteins... are shared by
///                                       train and test compounds, a compound's vector is not);
///                                       gat.drug_dropout zeroes a drug node's h0 row with that
///                                       probability per training step, so the model must read a
///                                       compound through its graph neighbours (1: always, in
///                                       evaluation too: the fingerprint is never used)
///   h_{l+1} = h_l + act(GAT_l(dropout(h_l)))   L layers, heads concatenated (hidden = heads*C),
///                                       act = ELU between layers, identity after the last;
///                                       without gat.residual h_{l+1} = act(GAT_l(...)): a node's
///                                       own input then reaches the next layer only through its
///                                       self-loop's attention, which the model may turn down
///   y_s = MLP([h_drug(s) ‖ h_cell(s) ‖ dose/time(s)])   Linear(2*hidden+2, head_hidden), ReLU,
///                                       dropout, Linear(head_hidden, G)   (gat.decoder: mlp)
///   y_s = r_s (P z_s + Q h_cell + b)    (gat.decoder: programs) z_s = h_drug ⊙ (1 + tanh(W h_cell)),
///       r_s = σ(a·[h_drug ‖ dose/time])  dropout on z_s; P [G, hidden] holds `hidden` learned gene
///                                       programs, the drug state weighs them and the cell line
///                                       gates the weights; r_s, the compound's activity at that
///                                       dose and time, scales the whole signature (level-5
///                                       z-scores of an inactive dose are noise). Linear in the
///                                       drug state apart from r: the head cannot keep a
///                                       response per training compound, as an MLP can
///   y_s = r_s ((1 + tanh(W' h_cell)) ⊙ Π_drug + Q h_cell + b)   (programs with gat.program_types,
///                                       instead of P z_s) every node of those
///                                       types (e.g. pathways) holds a learned gene program
///                                       V_v [G]; Π_0 = V on them, and each layer carries it
///                                       along the edges as the hidden state goes: Π_{l+1,i} =
///                                       Σ_j ᾱ_ij Π_{l,j} / Σ_j ᾱ_ij over i's incoming edges from
///                                       nodes that carry a program (ᾱ: layer l's attention,
///                                       heads averaged); a node none reaches has none. Π_drug is
///                                       then a weighted mean of programs, each weighted by the
///                                       products of the attention along the paths from its node
///                                       to the drug, renormalised over the edges that carry a
///                                       program (the others would only dilute the mix): the response of a new
///                                       compound is built from the programs of the pathways its
///                                       targets reach, with no rank limit of `hidden`; W' gates
///                                       them per gene by the cell line. Every gene-level effect
///                                       of a compound is then some node's program, read off
///                                       the attention. encode() returns [h ‖ Π] ([N, hidden + G]).
///                                       gat.compound_programs adds a program of the compound's
///                                       own to Π_drug (not passed along edges; zero for a
///                                       compound never trained on).
///   y_s = r_s ((M_drug ⊙ (1 + tanh(W' h_cell))) V + Q h_cell + b)   (gat.cell_gate: program)
///                                       the cell line gates each program's weight in the
///                                       drug's mix M_drug (Π with V = I, carried along the
///                                       edges as [nodes, programs]) rather than each gene:
///                                       a pathway can respond in one cell line and not in
///                                       another (W' starts at zero: every gate 1).
/// The full graph (with one self-loop per node, relation index R) is encoded once per step;
/// all index tensors are built once in the constructor. With `prune` (the default) each layer
/// only runs the edges that reach the samples' drug and cell nodes within the remaining
/// layers: the same predictions, much less work; encode()'s rows of other nodes are then
/// incomplete.
///
/// Neighbour sampling (gat.fanouts non-empty): predict() in training mode runs the layers on
/// the sampled computation graph of the batch's drug and cell nodes only (graph/sampler.hpp;
/// fanouts[0] for the edges into them), so a step costs in proportion to the batch. Each
/// call draws a new sample: the seed is (a number drawn from LibTorch's generator when the
/// model is built, a step counter), both kept in the buffer `sample_state` so that a
/// checkpoint resumes the same sequence. Evaluation (eval mode, encode/decode) uses every
/// neighbour, as GraphSAGE does at inference; with all fanouts -1 the sampled path computes
/// exactly the full model's predictions.
class GatModel : public PerturbationModel {
 public:
  GatModel(const GatConfig& c, const Graph& g, const Samples& s, bool prune = true);
  torch::Tensor encode() override;
  /// encode() that also returns each layer's attention (same numerics). `edges`: one EdgeSet
  /// per layer (with self-loops) to run on instead of the model's own, e.g. L copies of
  /// graph_edge_set(g) for the whole graph, or prune_edges(...) for a few targets; the caller
  /// picks the mode (eval: no dropout) and the grad mode.
  GatAttention encode_with_attention(const std::vector<EdgeSet>* edges = nullptr);
  int64_t num_layers() const { return int64_t(layers_.size()); }
  torch::Tensor decode(const torch::Tensor& state, const torch::Tensor& sig) override;
  torch::Tensor predict(const torch::Tensor& sig) override;
  void skip_step() override;  // the sampling step counter
  /// gat.program_init: ridge. Starts the programs decoder (gat.program_types) at the
  /// least-squares fit of its linear part under the initial attention: with the activity
  /// r = 1/2 and the cell gate off (both zeroed), a signature's prediction is
  /// (M_drug V + Q h_cell + b) / 2, M_drug the drug's mix of programs (Π with V = I, rows sum to
  /// 1 or 0). V = 2U for U the ridge fit of the training responses on M_drug with one free mean
  /// per cell line (both sides centred within each cell line), its penalty α the one of a grid
  /// with the highest validation per-signature Pearson; Q, b then give each training cell line
  /// its mean response less its mean M_drug U (least squares over the cell lines' states). So
  /// training starts from kg_ridge's 2-hop pathway fit as the attention reads it, not from
  /// zero. `y` [S, G]: responses by signature row; `train`, `val`: signature rows (val may be
  /// empty: the smallest α then). Eval mode, no gradient, no random numbers drawn. On the CPU
  /// (with the model there: the trainer moves a GPU model to the CPU for the fit and back).
  /// gat.compound_programs: then each training compound's own program C_d = 2 W_d, W_d =
  /// Σ_s r_s / (n_d + β) over its n_d training signatures' residuals r_s after the fit above
  /// (the graph's programs first, so that a compound's own program cannot take what they
  /// explain), β from a grid chosen on validation, ∞ (no own programs) unless one beats it.
  /// gat.cell_gate: program: before those, the gates b_c (per training cell line and program)
  /// and U by alternating least squares (3 rounds from b = 1, U's penalty in proportion to
  /// the chosen α), b's penalty from a grid towards 1 by validation, kept only if it beats the
  /// ungated fit; W' h_c + b' = atanh(b_c − 1) over the training cell lines.
  struct ProgramFit {
    double alpha = 0, val_pearson = 0;  // chosen penalty, and its validation Pearson
    double compound_beta = 0;           // the compound programs' penalty (∞: none; 0 without them)
    double gate_lambda = 0;             // gat.cell_gate program: the gates' penalty, relative (∞: none; 0 without them)
    int64_t programs = 0, drug_nodes = 0, reached = 0;  // program nodes; the training signatures' drug nodes; those a program reaches
  };
  ProgramFit fit_programs(const torch::Tensor& y, const std::vector<int64_t>& train, const std::vector<int64_t>& val);
  /// The parameters fit_programs sets: V, the cell part, the activity and the cell gate.
  std::vector<torch::Tensor> fitted_parameters();
  std::vector<torch::Tensor> state_buffers() override { return {sample_state_}; }
  void move_to(const torch::Device& d) override;  // sample_state stays on the CPU
  /// The sampled forward pass (what predict() runs while training with fanouts), callable in
  /// any mode; `nodes_used`, when given, receives the number of nodes of the sampled graph.
  torch::Tensor predict_sampled(const torch::Tensor& sig, int64_t* nodes_used = nullptr);

 private:
  // The constructor's steps, in its order.
  std::vector<int64_t> build_inputs(const Graph& g);
  void build_node_map(const Graph& g, const std::vector<int64_t>& offset);
  void build_sampler(const Graph& g);
  void build_edges(const Graph& g, bool prune);
  void build_layers(int64_t relations);
  void build_programs_decoder(const Graph& g, const Samples& s);
  void build_node_programs(const Graph& g, const Samples& s);
  void build_compound_programs(const Samples& s);
  void build_mlp_decoder(const Samples& s);
  torch::Tensor input_rows(const std::vector<int64_t>& nodes);  // h0 of these nodes [n, hidden]
  torch::Device device() const { return node_perm_.device(); }  // where the model is (move_to)
  torch::Tensor on_device(const std::vector<int64_t>& v) const;  // an index tensor there
  // h0 of type slot k [n, hidden]: rows `rows` of it, or all its rows when undefined.
  torch::Tensor slot_input(size_t k, const torch::Tensor& rows);
  // The layers over edges[l]; each layer's α appended to *alpha when given.
  torch::Tensor run_layers(const std::vector<EdgeSet>& edges, std::vector<torch::Tensor>* alpha);

  GatConfig c_;
  std::vector<torch::Tensor> feats_;            // per non-empty type: features [n_t, d_t]
  std::vector<torch::nn::Linear> proj_;         // per non-empty type with d_t > 0, else null
  std::vector<torch::Tensor> type_emb_;         // per non-empty type with d_t == 0: [hidden]
  std::vector<torch::Tensor> node_emb_;         // per non-empty type: [n_t, hidden] (gat.node_embeddings) or undefined
  int64_t drug_slot_ = -1;                      // the slot of the drug type (gat.drug_dropout)
  torch::Tensor node_perm_;                     // [N]: row of node v in cat(per-type h0)
  std::vector<EdgeSet> edges_;                  // per layer, with self-loops
  std::vector<GatLayer> layers_;
  torch::Tensor sig_drug_node_, sig_cell_node_, dose_time_;  // [S], [S], [S, 2]
  torch::nn::Sequential head_{nullptr};                   // gat.decoder mlp
  torch::nn::Linear gate_{nullptr}, activity_{nullptr}, programs_{nullptr}, cell_part_{nullptr};  // programs
  // gat.program_types: V [n_programs, G], each node's row in it [N] (n_programs: none), and
  // the per-gene cell gate W'.
  torch::Tensor node_programs_, program_row_;
  // gat.compound_programs: C [compounds' drug nodes, G] (rows by drug-type index), and each
  // signature's row in it [S].
  torch::Tensor compound_programs_, sig_compound_;
  torch::nn::Linear program_gate_{nullptr};  // W': per gene, or per program (gat.cell_gate)
  // gat.cell_gate: program — I [n_programs, n_programs]: the forward pass carries each node's mix
  // over the program nodes (Π with V = I) and the decoder gates its weights before M V.
  torch::Tensor mix_table_;
  bool carries_programs() const { return node_programs_.defined(); }
  // Π_0 of nodes [n] -> ([n, G], [n] bool: has a program): rows of `table` ([n_programs, K];
  // undefined: V).
  std::pair<torch::Tensor, torch::Tensor> initial_programs(const torch::Tensor& nodes, const torch::Tensor& table = {});
  // fit_programs: the drug nodes' mix of programs M [nodes, n_programs] (float64) under att.
  torch::Tensor program_mix(const GatAttention& att, const torch::Tensor& nodes);
  // The decoder on the drug and cell states of signatures `sig` [B, hidden] -> [B, G].
  // `pd` [B, G]: the drug's Π (gat.program_types) or undefined.
  torch::Tensor head(const torch::Tensor& hd, const torch::Tensor& hc, const torch::Tensor& sig,
                     const torch::Tensor& pd = {});
  // Sampling: the graph's incoming-edge CSR, each node's feature block and row in it, and
  // sample_state_ = [seed, steps drawn] (int64 buffer).
  Graph csr_;
  std::vector<int64_t> node_slot_, node_row_;
  torch::Tensor sample_state_;
};

/// The drug-target multi-hot of the MLP baseline: for each compound of `s`, the gene/protein
/// nodes reached from its drug node by an edge of relation "drug_protein". Columns are the
/// gene/protein nodes targeted by at least one compound, in node order (none when the graph
/// has no such relation, e.g. under no_kg).
struct DrugTargets {
  std::vector<int64_t> target_node;  // [T] graph node of each column
  h5::Matrix<float> multihot;        // [D, T]
};
DrugTargets drug_target_multihot(const Graph& g, const Samples& s);

/// The paper's MLP baseline on [drug features ‖ drug-target multi-hot ‖ cell baseline expression
/// ‖ dose/time]: `layers` hidden layers of width `hidden` (Linear, ReLU, dropout), then
/// Linear(hidden, G). Drug features are the compound's row of graph.features of its node's
/// type, cell baselines the cell line node's row. Without `drug_inputs` (model cell_mlp) the
/// input is [cell baseline expression ‖ dose/time] alone: the drug-blind baseline, which can
/// only learn each cell line's typical response.
class MlpModel : public PerturbationModel {
 public:
  MlpModel(const MlpConfig& c, const Graph& g, const Samples& s, bool drug_inputs = true);
  torch::Tensor encode() override { return {}; }
  torch::Tensor decode(const torch::Tensor& state, const torch::Tensor& sig) override;
  int64_t input_dim() const { return input_dim_; }
  /// Input rows [B, input_dim] for signatures sig (for tests and inspection).
  torch::Tensor inputs(const torch::Tensor& sig) const;

 private:
  bool drug_inputs_ = true;
  torch::Tensor drug_in_, cell_in_, dose_time_;  // [D, d_drug + T] (none without drug_inputs), [C, d_cell], [S, 2]
  torch::Tensor sig_drug_, sig_cell_;             // [S] int64
  int64_t input_dim_ = 0;
  torch::nn::Sequential net_{nullptr};
};

}  // namespace kg
