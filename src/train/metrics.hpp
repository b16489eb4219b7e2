// Evaluation metrics of predicted vs true expression signatures (plain C++, no LibTorch), as
// reported in run.h5: errors, R², correlations, DeepCE's DEG precision@k and the sign errors on
// the most regulated genes.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kg {

/// Named metric values in a fixed order (the order of /metrics/names in run.h5).
using MetricList = std::vector<std::pair<std::string, double>>;

/// Pearson correlation of x and y (length n), in double precision. 0 when either is constant
/// (zero variance) or n < 2: a constant prediction carries no ranking information, and 0 keeps
/// means over signatures finite.
double pearson(const float* x, const float* y, int64_t n, int64_t stride_x = 1,
               int64_t stride_y = 1);

/// Ranks of x (1-based), ties get the average of the ranks they span (as scipy.stats.rankdata).
std::vector<double> average_ranks(const float* x, int64_t n);

/// Spearman correlation: Pearson of average ranks; 0 when either side is constant.
double spearman(const float* x, const float* y, int64_t n);

/// Mean per-row Pearson of pred and truth, both row-major [rows, cols]. Used every epoch.
double mean_row_pearson(const float* pred, const float* truth, int64_t rows, int64_t cols);

/// Mean over rows of |top_k(pred) ∩ top_T(truth)| / k (up) or the same with the smallest
/// values (down), DeepCE's DEG precision@k. T = min(100, cols) and k is capped at T (so with
/// fewer than 100 genes prec@100 compares the top-T of both). Ties in the selection go to the
/// lower gene index.
double deg_precision(const float* pred, const float* truth, int64_t rows, int64_t cols, int64_t k,
                     bool up);

/// R² of pred vs truth, row-major [rows = signatures, cols = genes], as sklearn's
/// r2_score(truth, pred) with one output per gene: the mean over genes of
/// 1 - Σ_s (truth - pred)² / Σ_s (truth - mean_s truth)². A gene constant in truth (always so with
/// one signature) has no variance to explain: it counts 1 when predicted exactly, else 0
/// (sklearn's force_finite rule; sklearn itself gives NaN for fewer than 2 signatures).
double r2_score(const float* pred, const float* truth, int64_t rows, int64_t cols);

/// Mean over rows of the fraction of the k' most up-regulated and the k' most down-regulated
/// true genes (k' = min(k, cols); the selection and tie rule of deg_precision) whose predicted
/// sign differs from the true one, signs taken in {-1, 0, +1}: a zero prediction of a non-zero
/// value is wrong, and so is a non-zero prediction of an exact zero. A row has 2k' selections;
/// with fewer than 2k' genes the up and down sets overlap and a gene in both counts twice.
double wrong_sign_fraction(const float* pred, const float* truth, int64_t rows, int64_t cols,
                           int64_t k);

/// All metrics of pred vs truth, row-major [rows = signatures, cols = genes], in this order:
///   mse, rmse            mean squared error over all entries, its square root
///   pearson, spearman    mean over signatures of the per-signature correlation across genes
///   gene_pearson         mean over genes of the per-gene Pearson across signatures
///   r2                   mean over genes of the per-gene R² across signatures (see r2_score)
///   prec_up@k, k = 10, 20, 50, 100, then prec_down@k for the same k (see deg_precision)
///   wrong_sign@k, k = 10, 20, 50, 100 (see wrong_sign_fraction)
/// Constant rows/columns count as correlation 0. rows must be > 0. Finite inputs give finite
/// values.
/// tests/reference/metrics_reference.py computes each of them independently (numpy/scipy).
MetricList compute_metrics(const float* pred, const float* truth, int64_t rows, int64_t cols);

/// The names compute_metrics returns, in order.
std::vector<std::string> metric_names();

}  // namespace kg
