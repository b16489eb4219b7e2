// train_model: the training loop with early stopping on the validation Pearson, checkpoints
// and resume (run.h5 is written by train/run_file).
#include "train/trainer.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <mutex>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "core/error.hpp"
#include "model/models.hpp"
#include "train/checkpoint.hpp"
#include "train/ddp.hpp"
#include "train/optim.hpp"

namespace kg {

namespace {

constexpr int64_t kEvalChunk = 4096;  // signatures decoded at once when evaluating

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The training signatures in this epoch's order: a Fisher-Yates shuffle from a stream seeded
// by (seed, epoch) alone, so an epoch's order does not depend on what ran before it.
std::vector<int64_t> epoch_order(std::vector<int64_t> idx, int64_t seed, int64_t epoch) {
  uint64_t state = uint64_t(seed) * 0xD1B54A32D192ED03ull + uint64_t(epoch);
  splitmix64(state);
  for (size_t i = idx.size(); i > 1; --i) std::swap(idx[i - 1], idx[splitmix64(state) % i]);
  return idx;
}

// The epoch's order arranged in global batches, whose bounds go to `bounds` ([batches + 1]):
// with one part, `order` cut into batches of per_part; with owners (parts > 1), each batch the
// next per_part signatures of every part's share of the order, so that every rank has the same
// work in each step (the shares' tails make the last, uneven batches).
std::vector<int64_t> batched_order(const std::vector<int64_t>& order, const std::vector<int32_t>& owner,
                                   int parts, int64_t per_part, std::vector<int64_t>& bounds) {
  bounds.assign(1, 0);
  const auto n = int64_t(order.size());
  if (parts == 1) {
    for (int64_t a = per_part; a < n + per_part; a += per_part) bounds.push_back(std::min(n, a));
    return order;
  }
  std::vector<std::vector<int64_t>> share(static_cast<size_t>(parts));
  for (auto i : order) {
    KG_CHECK(owner[size_t(i)] >= 0 && owner[size_t(i)] < parts, "signature {} owned by part {} of {}", i, owner[size_t(i)], parts);
    share[size_t(owner[size_t(i)])].push_back(i);
  }
  std::vector<int64_t> out;
  out.reserve(order.size());
  for (int64_t a = 0; int64_t(out.size()) < n; a += per_part) {
    for (const auto& s : share)
      for (int64_t k = a; k < std::min(a + per_part, int64_t(s.size())); ++k) out.push_back(s[size_t(k)]);
    bounds.push_back(int64_t(out.size()));
  }
  return out;
}

torch::Tensor index_tensor(const std::vector<int64_t>& v) {
  auto t = torch::empty({int64_t(v.size())}, torch::kInt64);
  if (!v.empty()) std::memcpy(t.data_ptr<int64_t>(), v.data(), v.size() * sizeof(int64_t));
  return t;
}

// Predictions [n, G] for signatures idx, in eval mode, encoding the graph once.
torch::Tensor predict_all(PerturbationModel& m, const torch::Tensor& idx) {
  torch::NoGradGuard ng;
  m.eval();
  auto state = m.encode();
  std::vector<torch::Tensor> parts;
  for (int64_t a = 0; a < idx.size(0); a += kEvalChunk)
    parts.push_back(m.decode(state, idx.slice(0, a, std::min(a + kEvalChunk, idx.size(0)))));
  return torch::cat(parts).contiguous();
}

// Who trains and evaluates what in a data-parallel run (one process: everything is rank 0's).
struct Sharding {
  int rank = 0, ranks = 1;
  const std::vector<int32_t>* sig_rank = nullptr;   // null: by position
  const std::vector<int64_t>* sig_local = nullptr;  // null: signature i is row i of the samples
  int owner(int64_t sig, int64_t position) const {
    return sig_rank ? (*sig_rank)[size_t(sig)] : int(position % ranks);
  }
  // The members of `idx` (signature indices) this rank owns, as rows of its samples, and their
  // positions in idx.
  std::vector<int64_t> mine(const int64_t* idx, int64_t n, std::vector<int64_t>* pos = nullptr) const {
    std::vector<int64_t> out;
    for (int64_t i = 0; i < n; ++i)
      if (owner(idx[i], i) == rank) {
        out.push_back(sig_local ? (*sig_local)[size_t(idx[i])] : idx[i]);
        if (pos) pos->push_back(i);
      }
    return out;
  }
};

// Predictions and targets [n, G] of signatures idx in every rank: each rank predicts the rows
// it owns; a sum gives every rank all of them.
std::pair<torch::Tensor, torch::Tensor> predict_shared(PerturbationModel& m, const torch::Tensor& y,
                                                       const std::vector<int64_t>& idx, const Sharding& sh,
                                                       Comm* comm) {
  if (sh.ranks == 1) {
    auto t = index_tensor(idx);
    return {predict_all(m, t), y.index_select(0, t)};
  }
  std::vector<int64_t> pos;
  auto mine = index_tensor(sh.mine(idx.data(), int64_t(idx.size()), &pos));
  auto both = torch::zeros({2, int64_t(idx.size()), y.size(1)}, torch::kFloat32);
  if (mine.numel() > 0) {
    auto at = index_tensor(pos);
    both[0].index_copy_(0, at, predict_all(m, mine));
    both[1].index_copy_(0, at, y.index_select(0, mine));
  }
  comm->sum(both.data_ptr<float>(), both.numel(), DType::f32);
  return {both[0], both[1]};
}

// The random generator states of every rank, [ranks] (gathered by a sum of one-hot rows).
std::vector<torch::Tensor> gather_generators(Comm& comm) {
  torch::Tensor state;
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    state = gen.get_state();
  }
  const int64_t n = state.numel();
  auto all = torch::zeros({comm.size(), n}, torch::kInt64);
  all[comm.rank()].copy_(state.to(torch::kInt64));
  comm.sum(all.data_ptr<int64_t>(), all.numel(), DType::i64);
  std::vector<torch::Tensor> out;
  for (int r = 0; r < comm.size(); ++r) out.push_back(all[r].to(torch::kUInt8).contiguous());
  return out;
}

// Every step allocates and frees the same tensors of several MB. With glibc's defaults these
// go back to the kernel when freed (mmap threshold, heap trimming) and each step pays ~8k page
// faults: 40% of a GAT step on the demo graph. Keep such blocks in the heap for reuse.
void keep_freed_memory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

MetricList metrics_of(const torch::Tensor& pred, const torch::Tensor& truth) {
  return compute_metrics(pred.data_ptr<float>(), truth.data_ptr<float>(), pred.size(0), pred.size(1));
}

void check_indices(const std::vector<int64_t>& v, const char* part, const Split& split, int64_t n) {
  if (v.empty()) fail("the {} split has no {} signatures", split.kind, part);
  for (int64_t i : v) KG_CHECK(i >= 0 && i < n, "{} index {} of {}", part, i, n);
}

// The GAT's (best) parameters and its mean attention per relation over every edge of the
// graph: from rank 0 alone when every rank holds the whole graph, else from every rank's
// counts over the edges into the nodes it owns.
void keep_gat(GatModel& m, const Graph& g, const DataParallel& dp, const Sharding& sh, RunResult& r) {
  torch::NoGradGuard ng;
  if (sh.rank == 0)
    for (const auto& p : m.named_parameters()) {
      const auto t = p.value().detach().to(torch::kFloat32).contiguous();
      r.params.push_back({p.key(), t.sizes().vec(), {t.data_ptr<float>(), t.data_ptr<float>() + t.numel()}});
    }
  if (dp.sig_local.empty() && sh.rank > 0) return;
  m.eval();
  const std::vector<EdgeSet> whole(size_t(m.num_layers()), graph_edge_set(g));
  std::vector<char> owned;
  std::function<void(std::vector<double>&)> sum;
  if (!dp.sig_local.empty()) {
    owned.assign(size_t(g.num_nodes()), 0);
    for (auto v : dp.owned_nodes) owned[size_t(v)] = 1;
    sum = [&](std::vector<double>& v) { dp.comm->sum(v.data(), int64_t(v.size()), DType::f64); };
  }
  r.attention = relation_attention(m.encode_with_attention(&whole), g.relation_names, owned, sum);
}

}  // namespace

RunOptions run_checkpoint(const Config& cfg, const std::string& out, const std::vector<h5::InputInfo>& inputs) {
  RunOptions c;
  if (cfg.train.checkpoint_every > 0) c.path = out + ".ckpt";
  // Base names, not paths: a moved results directory is still the same run.
  for (const auto& in : inputs)
    c.inputs += fmt::format("input {}: {} bytes, xxh3 {}\n",
                            std::filesystem::path(in.path).filename().string(), in.size, in.xxh3);
  return c;
}

RunResult train_model(const Config& cfg, const Graph& g, const Samples& s, const Split& split,
                      const ProgressFn& progress, const RunOptions& ckpt, const DataParallel& dp) {
  const TrainConfig& tc = cfg.train;
  const int64_t n_rows = s.num_signatures(), n_genes = s.num_genes();
  const int64_t n_sig = dp.sig_local.empty() ? n_rows : int64_t(dp.sig_local.size());
  check_indices(split.train, "training", split, n_sig);
  check_indices(split.val, "validation", split, n_sig);
  check_indices(split.test, "test", split, n_sig);
  KG_CHECK(s.y.rows == n_rows && s.y.cols == n_genes);

  Comm* comm = dp.comm.get();
  Sharding sh;
  if (comm && comm->size() > 1) {
    sh.rank = comm->rank();
    sh.ranks = comm->size();
    if (!dp.sig_rank.empty()) {
      KG_CHECK(int64_t(dp.sig_rank.size()) == n_sig, "{} signature owners for {} signatures", dp.sig_rank.size(), n_sig);
      sh.sig_rank = &dp.sig_rank;
    }
  }
  if (!dp.sig_local.empty()) {
    KG_CHECK(sh.sig_rank, "per-rank data needs the signatures' owners");
    for (int64_t i = 0; i < n_sig; ++i)
      KG_CHECK((dp.sig_rank[size_t(i)] == sh.rank) == (dp.sig_local[size_t(i)] >= 0) && dp.sig_local[size_t(i)] < n_rows,
               "signature {}: owner {} but row {} on rank {}", i, dp.sig_rank[size_t(i)], dp.sig_local[size_t(i)], sh.rank);
    sh.sig_local = &dp.sig_local;
  }

  torch::set_num_threads(int(cfg.threads));
  keep_freed_memory();
  torch::manual_seed(uint64_t(tc.seed));
  auto model = make_model(cfg, g, s);
  // Targets are read in place (never written).
  auto y = torch::from_blob(const_cast<float*>(s.y.data.data()), {n_rows, n_genes}, torch::kFloat32);
  const bool resuming = !ckpt.path.empty() && std::filesystem::exists(ckpt.path);
  auto* gat = dynamic_cast<GatModel*>(model.get());
  // gat.program_init: ridge fits the programs decoder once, at the start; refit after every
  // epoch too, with the fitted parameters out of the gradient's reach (it trains the attention).
  const bool refit = gat && cfg.gat.program_init == "refit";
  const bool fitted_start = gat && (cfg.gat.program_init == "ridge" || refit);
  if (refit && !dp.sig_local.empty())
    fail("gat.program_init: refit needs every rank to hold every signature (the fit after each epoch "
         "would differ between ranks); use ridge, or one rank");
  if (refit)
    for (auto& p : gat->fitted_parameters()) p.set_requires_grad(false);
  // On every signature where each rank holds them all (every rank then fits the same); with
  // per-rank data on this rank's rows, rank 0's fit being the one broadcast below.
  auto fit_rows = [&](const std::vector<int64_t>& v) {
    return dp.sig_local.empty() ? v : sh.mine(v.data(), int64_t(v.size()));
  };
  if (fitted_start && !resuming) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto fit = gat->fit_programs(y, fit_rows(split.train), fit_rows(split.val));
    if (ckpt.log)
      ckpt.log(fmt::format("programs from ridge: alpha {:.4g}{}{}, validation Pearson {:.4f} ({} programs; {} of {} "
                           "training drug nodes reached by one; {:.1f} s)",
                           fit.alpha,
                           cfg.gat.cell_gate != "program" ? std::string()
                           : std::isinf(fit.gate_lambda) ? std::string(", no program gates (none helps validation)")
                                                         : fmt::format(", program gates' lambda {:.4g}", fit.gate_lambda),
                           !cfg.gat.compound_programs ? std::string()
                           : std::isinf(fit.compound_beta) ? std::string(", no compound programs (none helps validation)")
                                                           : fmt::format(", compound programs' beta {:.4g}", fit.compound_beta),
                           fit.val_pearson, fit.programs, fit.reached, fit.drug_nodes,
                           std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
  }
  std::unique_ptr<GradReducer> reducer;
  if (sh.ranks > 1) {
    broadcast_module(*comm, *model, model->state_buffers());
    // Dropout and sampling streams of their own on ranks > 0 (rank 0 keeps one process's).
    if (sh.rank > 0) torch::manual_seed(uint64_t(tc.seed) * 0x9E3779B97F4A7C15ull + uint64_t(sh.rank));
  }
  auto params = model->parameters();  // all of them: kept at the best epoch, counted
  std::vector<torch::Tensor> trained;  // those the gradient trains
  for (const auto& p : params)
    if (p.requires_grad()) trained.push_back(p);
  if (sh.ranks > 1) reducer = std::make_unique<GradReducer>(dp.comm, trained, cfg.dist.bucket_mb * 1e6);
  RunResult r;
  r.ranks = sh.ranks;
  for (const auto& p : params) r.n_params += p.numel();
  auto opt = make_optimizer(tc, trained);
  TrainState st(tc);

  // The number of ranks changes the batches, hence the run; the dist.* keys do not.
  const auto identity =
      run_identity(cfg, ckpt.inputs + (sh.ranks > 1 ? fmt::format("ranks: {}\n", sh.ranks) : std::string()));
  const auto built_buffers = ckpt.path.empty() ? std::vector<std::string>{} : buffer_checksums(*model);
  if (resuming) {
    const int64_t threads = load_checkpoint(ckpt.path, identity, built_buffers, *model, *opt, st, sh.rank);
    r.resumed_epoch = st.epochs_run;
    if (ckpt.log) {
      ckpt.log(fmt::format("resuming from checkpoint \"{}\" after epoch {}{}", ckpt.path, st.epochs_run,
                           st.epoch_steps > 0 ? fmt::format(" and {} step{} of epoch {}", st.epoch_steps,
                                                                st.epoch_steps == 1 ? "" : "s", st.epochs_run + 1)
                                              : std::string()));
      if (threads != cfg.threads)
        ckpt.log(fmt::format("the checkpoint was written with {} threads, this run has {}: the "
                             "result may differ in the last bits from an uninterrupted run",
                             threads, cfg.threads));
    }
  }

  // Only the validation rows are read here: the test rows are touched after training, so
  // nothing below is chosen by the test set.
  auto val_mine = index_tensor(sh.mine(split.val.data(), int64_t(split.val.size())));
  auto y_val = y.index_select(0, val_mine);  // this rank's validation rows
  // The steps' batches: without owners, train.batch_size x ranks signatures of the order; with
  // owners (dp.sig_rank, P parts), the next batch_size of each part's share (R ranks: P = R), or
  // in one process batch_size / P of each: the batches of R = P ranks with batch_size / R.
  int parts = 1;
  int64_t per_part = tc.batch_size * sh.ranks;
  if (!dp.sig_rank.empty()) {
    parts = sh.ranks > 1 ? sh.ranks : 1 + *std::max_element(dp.sig_rank.begin(), dp.sig_rank.end());
    if (sh.ranks == 1 && tc.batch_size % parts != 0)
      fail("train.batch_size {} does not divide among the {} parts owning the signatures", tc.batch_size, parts);
    per_part = sh.ranks > 1 ? tc.batch_size : tc.batch_size / parts;
  }
  int64_t steps = 0;  // for dp.after_step (counted from this call's first step)

  auto stopped = [&] { return !st.best.empty() && st.epochs_run - st.best_epoch >= tc.patience; };
  // Validation: squared errors and per-signature Pearsons of each rank's rows, summed;
  // {mean squared error, mean Pearson} over all validation signatures.
  auto validate = [&]() -> std::pair<double, double> {
    double val[2] = {0, 0};
    if (val_mine.numel() > 0) {
      auto pred = predict_all(*model, val_mine);
      val[0] = (pred - y_val).square().sum(torch::kFloat64).item<double>();
      for (int64_t i = 0; i < pred.size(0); ++i)
        val[1] += pearson(pred[i].data_ptr<float>(), y_val[i].data_ptr<float>(), n_genes);
    }
    if (sh.ranks > 1) comm->sum(val, 2, DType::f64);
    const auto n_val = double(split.val.size());
    return {val[0] / (n_val * double(n_genes)), val[1] / n_val};
  };
  auto keep_best = [&](double pearson, int64_t epoch) {
    torch::NoGradGuard ng;
    st.best.clear();
    for (const auto& p : params) st.best.push_back(p.detach().clone());
    st.best_pearson = pearson;
    st.best_epoch = epoch;
  };
  // A fitted start (gat.program_init: ridge) is the first candidate, "epoch 0": training then
  // keeps only what improves on it.
  if (fitted_start && !resuming) {
    const auto [loss, pearson] = validate();
    keep_best(pearson, 0);
    if (ckpt.log) ckpt.log(fmt::format("fitted start: val_loss {:.4f}  val_pearson {:.4f}", loss, pearson));
  }
  // Checkpoints from rank 0, with every rank's random generator (none without a path).
  auto save = [&](const std::string& path) {
    if (path.empty()) return;
    if (sh.ranks > 1) st.rank_generators = gather_generators(*comm);
    if (sh.rank == 0) save_checkpoint(path, cfg, identity, built_buffers, *model, *opt, st);
  };
  const int64_t last_epoch = ckpt.stop_epoch > 0 ? std::min(tc.epochs, ckpt.stop_epoch) : tc.epochs;
  for (int64_t epoch = st.epochs_run + 1; epoch <= last_epoch && !stopped(); ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    EpochLog log;
    log.epoch = epoch;
    log.lr = st.schedule.lr(epoch);
    set_lr(*opt, log.lr);
    model->train();
    std::vector<int64_t> bounds;
    const auto order = batched_order(epoch_order(split.train, tc.seed, epoch), dp.sig_rank, parts, per_part, bounds);
    const int64_t n_train = int64_t(order.size());
    // This rank's squared errors (from before a stop, when resuming mid-epoch).
    double sse = 0;
    if (!st.epoch_sse.empty()) {
      if (int64_t(st.epoch_sse.size()) != sh.ranks)
        fail("checkpoint \"{}\": stopped mid-epoch with {} ranks, resumed with {}", ckpt.path, st.epoch_sse.size(), sh.ranks);
      sse = st.epoch_sse[size_t(sh.rank)];
    }
    const auto first_step = size_t(st.epoch_steps);
    KG_CHECK(first_step < bounds.size(), "checkpoint after step {} of an epoch of {}", first_step, bounds.size() - 1);
    st.epoch_steps = 0, st.epoch_sse.clear();
    const double sse_before = sse;  // for the progress: this rank's loss since the (re)start
    int64_t trained_mine = 0;
    const auto s0 = std::chrono::steady_clock::now();
    for (size_t b = first_step; b + 1 < bounds.size(); ++b) {
      const int64_t a = bounds[b], count = bounds[b + 1] - a;
      const auto mine = sh.mine(order.data() + a, count);
      opt->zero_grad();
      if (reducer) reducer->begin();
      if (!mine.empty()) {
        auto idx = index_tensor(mine);
        // The mean over the global batch: ranks' gradients then sum to one process's.
        auto loss = torch::mse_loss(model->predict(idx), y.index_select(0, idx), torch::Reduction::Sum) /
                    double(count * n_genes);
        const double l = loss.item<double>();
        if (!std::isfinite(l))  // every later step and the run's metrics would be NaN too
          fail("the training loss became {} at epoch {}, step {} of {}: stopped, no run written "
               "(a non-finite input value, or a learning rate too large: train.lr={})",
               l, epoch, b + 1, bounds.size() - 1, tc.lr);
        loss.backward();
        sse += l * double(count * n_genes);
        trained_mine += int64_t(mine.size());
      } else {
        model->skip_step();
      }
      if (reducer) reducer->finish();
      if (tc.grad_clip > 0) torch::nn::utils::clip_grad_norm_(trained, tc.grad_clip);
      opt->step();
      if (dp.after_step) {
        torch::NoGradGuard ng;
        std::vector<float> flat;
        for (const auto& p : params) {
          auto c = p.detach().to(torch::kCPU).contiguous();
          flat.insert(flat.end(), c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
        }
        dp.after_step(++steps, flat);
      }
      if (ckpt.on_step) {
        StepLog sl;
        sl.epoch = epoch, sl.step = int64_t(b) + 1, sl.steps = int64_t(bounds.size()) - 1;
        sl.train_loss = (sse - sse_before) / double(std::max<int64_t>(trained_mine, 1) * n_genes);
        sl.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        ckpt.on_step(sl);
      }
      if (ckpt.stop) {
        // {ranks asked to stop, sum of their signals}: all stop if any was asked to.
        const int signal = ckpt.stop();
        double asked[2] = {signal > 0 ? 1.0 : 0.0, double(signal)};
        if (sh.ranks > 1) comm->sum(asked, 2, DType::f64);
        if (asked[0] > 0) {
          st.epoch_steps = int64_t(b) + 1;
          st.epoch_sse = sh.ranks > 1 ? comm->gather({sse}) : std::vector<double>{sse};
          save(ckpt.path);
          r.stopped = int(std::lround(asked[1] / asked[0]));  // the signal (launchers send all ranks the same)
          r.epochs_run = st.epochs_run;  // complete epochs
          return r;
        }
      }
    }
    r.step_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
    if (sh.ranks > 1) sse = comm->sum(sse);

    log.train_loss = sse / double(n_train * n_genes);
    if (refit) gat->fit_programs(y, fit_rows(split.train), fit_rows(split.val));  // for the new attention
    std::tie(log.val_loss, log.val_pearson) = validate();
    log.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    st.curves.push_back(log);
    st.epochs_run = epoch;

    const bool improved = st.best.empty() || log.val_pearson > st.best_pearson;  // NaN never improves
    if (improved) keep_best(log.val_pearson, epoch);
    st.schedule.end_epoch(improved);
    if (tc.checkpoint_every > 0 && epoch % tc.checkpoint_every == 0) save(ckpt.path);
    if (progress) progress(log);
  }
  // The state after the last epoch (before the best parameters are put back): a later halving
  // rung continues from it.
  save(ckpt.final_path);
  r.curves = st.curves;
  r.epochs_run = st.epochs_run;
  r.best_epoch = st.best_epoch;

  {
    torch::NoGradGuard ng;
    for (size_t i = 0; i < params.size(); ++i) params[i].copy_(st.best[i]);
  }
  if (reducer) r.allreduce_wait_seconds = reducer->wait_seconds();
  if (gat) keep_gat(*gat, g, dp, sh, r);
  {
    auto [pred_val, truth_val] = predict_shared(*model, y, split.val, sh, comm);
    r.val_metrics = metrics_of(pred_val, truth_val);
  }
  auto [pred_test, truth_test] = predict_shared(*model, y, split.test, sh, comm);
  r.test_metrics = metrics_of(pred_test, truth_test);
  for (int64_t i = 0; i < pred_test.size(0); ++i)
    r.test_pearson.push_back(pearson(pred_test[i].data_ptr<float>(), truth_test[i].data_ptr<float>(), n_genes));
  r.test_index = split.test;
  r.test_pred.rows = pred_test.size(0);
  r.test_pred.cols = n_genes;
  r.test_pred.data.assign(pred_test.data_ptr<float>(), pred_test.data_ptr<float>() + pred_test.numel());
  return r;
}

}  // namespace kg
