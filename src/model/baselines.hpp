// The baselines fitted in closed form, without gradients or LibTorch: the mean training response
// of the cell line, the k training compounds nearest by fingerprint Tanimoto similarity, and
// ridge regression on [fingerprint ‖ cell one-hot ‖ dose/time], and ridge regression on
// knowledge-graph metapath features (kg_ridge, built in kg_features.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/h5.hpp"
#include "graph/graph.hpp"

namespace kg {

/// True for the models the registry (model/registry.hpp) marks closed-form, fitted here;
/// false for the gradient-trained ones and unknown names.
bool is_closed_form(const std::string& model);

/// A baseline built for one Graph and Samples, fitted once on training signatures.
class Baseline {
 public:
  virtual ~Baseline() = default;
  /// Fits on the training signatures `train` (indices into Samples, non-empty).
  virtual void fit(const std::vector<int64_t>& train) = 0;
  /// Predictions [sig.size(), G], row i for signature sig[i]; only after fit().
  virtual h5::Matrix<float> predict(const std::vector<int64_t>& sig) const = 0;
  /// Values fitted from the training data, reported as the run's n_params: cell_mean
  /// (cell lines with training signatures + 1 global row) × G, ridge and kg_ridge (weights +
  /// intercept) (p + 1) × G, knn 0 (it keeps the training responses and fits nothing).
  virtual int64_t num_fitted() const = 0;
};

/// Builds the baseline cfg.model for these inputs:
///
/// cell_mean  y(s) = mean over the training signatures of s's cell line of their responses.
///            A cell line without training signatures (cold_cell splits) gets the mean of all
///            training signatures.
/// knn        y(s) = mean over the k = baseline.knn_k training compounds most similar to s's
///            compound among those with training signatures in s's cell line, of each one's
///            mean training response in that cell line (each neighbour weighs the same,
///            whatever its number of doses and times). Similarity is the Tanimoto coefficient
///            of the drug feature rows (the Morgan bits from ingest), a·b / (a·a + b·b − a·b),
///            which for 0/1 vectors is |a∩b| / |a∪b| (0 when both are all-zero). Equal
///            similarities go to the lower compound index. The query's own compound is a
///            neighbour like any other when it has training signatures (random splits), so
///            knn then mostly returns the compound's own mean response. Fewer than k
///            candidates: all of them. A cell line without training signatures: the k most
///            similar training compounds and their mean response over all cell lines.
/// ridge      y(s) = b + Wᵀ x(s), x(s) = [drug features ‖ one-hot of the cell line ‖ dose/time
///            encoding (inputs.hpp)], minimising Σ_train ||y − b − Wᵀx||² +
///            baseline.ridge_alpha ||W||² with the intercept b unpenalised (fit_ridge).
///            The one-hot columns sum to one, so baseline.ridge_alpha = 0 has no unique
///            solution and is refused.
/// kg_ridge   y(s) = b + Wᵀ x(s) with the same ridge (penalty α = baseline.kg_alpha), on
///            x(s) = [block_1(s) ‖ ... ‖ block_B(s)], one block per baseline.kg_blocks entry
///            (KgDesign in kg_features.hpp), each scaled to unit mean squared row norm so one α
///            fits blocks of any width. A block is a product of factors: a metapath vector
///            x_u = e_u A_1 ⋯ A_k of the compound (drug:<r1>>...) or of the cell line
///            (cell:<r1>>...), where (A_r)_{ab} is the hop weight of edge a -(r)-> b
///            (baseline.kg_norm: row 1/out_r(a); sym 1/sqrt(out_r(a) in_r(b)), which also
///            down-weights hub targets such as ADME enzymes; none 1); the cell one-hot; the
///            dose or time encoding. Default blocks (PrimeKG relation names; ingest names the
///            cell-line links cell_line_disease and cell_line_anatomy):
///              cell, dose, time                          as ridge, without the fingerprint
///              drug:drug_protein>pathway_protein          compound -> target -> pathway
///              drug:drug_protein>protein_protein>pathway_protein
///                                                        -> interaction partner -> pathway
///              drug:drug_protein>pathway_protein * cell:cell_line_disease>disease_protein>pathway_protein
///                                                        cell-context gating: the compound's
///                                                        pathways weighted by the cell's
///                                                        disease genes' pathways
///              drug:drug_protein>pathway_protein * dose  the dose–response amplitude
///              fp                                        the fingerprint (the part of a
///                                                        response chemistry carries)
///            Chosen on validation only (one seed, scaffold and cold_drug splits of the demo and
///            of configs/medium.yaml; validation per-signature Pearson):
///            - hop normalisation: row beats sym beats none everywhere (demo scaffold
///              0.603 / 0.597 / 0.573, demo cold_drug 0.584 / 0.581 / 0.560, medium scaffold
///              0.539 / 0.536 / 0.509, medium cold_drug 0.582 / 0.579 / 0.551, blocks without
///              fp); sym stays a candidate for graphs with real hubs, validation picks.
///            - fp: +0.003, +0.022, +0.013, +0.030 on those four: kept.
///            - the gating product: removing it changes validation by ≤ 0.001 (the synthetic
///              data's cell sensitivities are not in the graph); kept for data whose cell
///              context is (issue 16).
///            - drug:drug_protein>pathway_protein * cell (a pathway weight per cell line):
///              +0.003 .. +0.006 (with fp: 0.612, 0.610, 0.557, 0.619) but C × #pathways wide
///              (~200k columns on PrimeKG + LINCS, beyond a primal solve): not a default, add
///              it on small graphs.
///            - α: 30 wins on the grid's half-decades (10 and 100 before the grid had 30).
///            A compound without edges (unmatched) has all-zero path blocks: its cell and
///            dose/time blocks and the intercept still predict. Cost: the walks touch each
///            start node's reachable edges once; the rows are sparse (≤ the reachable end
///            nodes per block, ~#pathways); the fit is fit_ridge's, O(n·nnz_row²) to build
///            XᵀX plus O(p³/3) for the primal Cholesky (p = total width, ~ blocks × #pathways),
///            per candidate.
/// `choice` indexes the candidate values of the model's hyper-parameters (baseline.knn_k,
/// baseline.ridge_alpha, or baseline.kg_norm × baseline.kg_alpha with kg_alpha varying
/// fastest; cell_mean has one choice): the registry's factory of cfg.model. Throws kg::Error
/// for a model the registry does not mark closed-form.
std::unique_ptr<Baseline> make_baseline(const Config& cfg, const Graph& g, const Samples& s,
                                        size_t choice = 0);

/// Number of candidate hyper-parameter values of cfg.model, and the label of one
/// ("baseline.ridge_alpha=10"; "" for cell_mean); kg::Error as make_baseline.
size_t baseline_choices(const Config& cfg);
std::string baseline_choice(const Config& cfg, size_t choice);

/// The baselines themselves, for the registry's factories: the cell line's mean training
/// response; the mean of the k nearest training compounds; ridge with penalty `alpha`.
std::unique_ptr<Baseline> make_cell_mean(const Samples& s);
std::unique_ptr<Baseline> make_knn(const Graph& g, const Samples& s, int64_t k);
std::unique_ptr<Baseline> make_ridge(const Graph& g, const Samples& s, double alpha, int64_t threads);

/// Rows of a sparse design matrix (CSR): row r has the entries (index[k], value[k]) for
/// k in [indptr[r], indptr[r+1]), each column at most once.
struct SparseRows {
  int64_t cols = 0;
  std::vector<int64_t> indptr{0};
  std::vector<int32_t> index;
  std::vector<double> value;

  int64_t rows() const { return int64_t(indptr.size()) - 1; }
  /// Appends entry (col, v) to the current row (zeros are skipped).
  void add(int64_t col, double v);
  /// Closes the current row.
  void end_row() { indptr.push_back(int64_t(index.size())); }
};

enum class RidgeSolver { automatic, primal, dual };

/// Ridge regression with an unpenalised intercept:
///   min over W [p, G], b [G] of  Σ_i ||y_i − b − Wᵀ x_i||² + alpha ||W||²_F
/// for x_i = row i of x (p = x.cols) and y_i = row y_rows[i] of y. With centred Xc = X − 1x̄ᵀ
/// and Yc = Y − 1ȳᵀ, W = (XcᵀXc + αI)⁻¹ XcᵀYc (primal, p×p) = Xcᵀ (XcXcᵀ + αI)⁻¹ Yc (dual,
/// n×n) and b = ȳ − Wᵀx̄. `automatic` solves the dual when n < p. Both by Cholesky in double
/// precision on `threads` OpenMP threads. Throws kg::Error when the system is not positive
/// definite (alpha = 0 with collinear or constant columns, or the dual with alpha = 0).
struct RidgeFit {
  int64_t p = 0, g = 0;
  std::vector<double> w;  // [p, G] row-major
  std::vector<double> b;  // [G]
  bool dual = false;      // which system was solved
  /// b + Wᵀx for row r of x, written to out [G].
  void predict_row(const SparseRows& x, int64_t r, float* out) const;
};
RidgeFit fit_ridge(const SparseRows& x, const h5::Matrix<float>& y, const std::vector<int64_t>& y_rows,
                   double alpha, int64_t threads = 1, RidgeSolver solver = RidgeSolver::automatic);

/// Tanimoto similarity of a and b [n] as documented for knn above.
double tanimoto(const float* a, const float* b, int64_t n);

}  // namespace kg
