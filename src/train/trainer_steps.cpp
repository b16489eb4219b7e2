// The Trainer's steps: set-up, resume, epochs of data-parallel steps with the stop-signal
// protocol, validation and early stopping, the final metrics with the best parameters.
#include "train/trainer_steps.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <tuple>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "core/error.hpp"
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

// Predictions [n, G] for signatures idx (on the model's device, as they are), in eval mode,
// encoding the graph once.
torch::Tensor predict_all(PerturbationModel& m, const torch::Tensor& idx) {
  torch::NoGradGuard ng;
  m.eval();
  auto state = m.encode();
  std::vector<torch::Tensor> parts;
  for (int64_t a = 0; a < idx.size(0); a += kEvalChunk)
    parts.push_back(m.decode(state, idx.slice(0, a, std::min(a + kEvalChunk, idx.size(0)))));
  return torch::cat(parts).contiguous();
}

// Predictions and targets [n, G] of signatures idx in every rank, on the host: each rank
// predicts the rows it owns (on `device`, the model's); a sum gives every rank all of them.
// `y`: the targets on the host.
std::pair<torch::Tensor, torch::Tensor> predict_shared(PerturbationModel& m, const torch::Tensor& y,
                                                       const std::vector<int64_t>& idx, const Sharding& sh,
                                                       Comm* comm, const torch::Device& device) {
  if (sh.ranks == 1) {
    auto t = index_tensor(idx);
    return {predict_all(m, t.to(device)).cpu(), y.index_select(0, t)};
  }
  std::vector<int64_t> pos;
  auto mine = index_tensor(sh.mine(idx.data(), int64_t(idx.size()), &pos));
  auto both = torch::zeros({2, int64_t(idx.size()), y.size(1)}, torch::kFloat32);
  if (mine.numel() > 0) {
    auto at = index_tensor(pos);
    both[0].index_copy_(0, at, predict_all(m, mine.to(device)).cpu());
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
      const auto t = p.value().detach().to(torch::kCPU, torch::kFloat32).contiguous();
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
  auto att = m.encode_with_attention(&whole);
  att.h = att.h.cpu();
  for (auto& a : att.alpha) a = a.cpu();
  r.attention = relation_attention(att, g.relation_names, owned, sum);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The split checked against the signatures, and who trains what (dp, checked).
Sharding sharding_of(const Samples& s, const Split& split, const DataParallel& dp) {
  const int64_t n_rows = s.num_signatures();
  const int64_t n_sig = dp.sig_local.empty() ? n_rows : int64_t(dp.sig_local.size());
  check_indices(split.train, "training", split, n_sig);
  check_indices(split.val, "validation", split, n_sig);
  check_indices(split.test, "test", split, n_sig);
  KG_CHECK(s.y.rows == n_rows && s.y.cols == s.num_genes());
  Sharding sh;
  if (dp.comm && dp.comm->size() > 1) {
    sh.rank = dp.comm->rank();
    sh.ranks = dp.comm->size();
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
  return sh;
}

}  // namespace

std::vector<int64_t> Sharding::mine(const int64_t* idx, int64_t n, std::vector<int64_t>* pos) const {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i)
    if (owner(idx[i], i) == rank) {
      out.push_back(sig_local ? (*sig_local)[size_t(idx[i])] : idx[i]);
      if (pos) pos->push_back(i);
    }
  return out;
}

torch::Tensor row_pearsons(const torch::Tensor& a, const torch::Tensor& b) {
  KG_CHECK(a.dim() == 2 && a.sizes() == b.sizes() && a.device() == b.device());
  const auto opt = a.options().dtype(torch::kFloat64);
  if (a.size(1) < 2) return torch::zeros({a.size(0)}, opt);
  const auto x = a.to(torch::kFloat64), y = b.to(torch::kFloat64);
  const auto dx = x - x.mean(1, true), dy = y - y.mean(1, true);
  const auto sxy = (dx * dy).sum(1), sxx = dx.square().sum(1), syy = dy.square().sum(1);
  const auto defined = sxx.gt(0).logical_and(syy.gt(0));
  // The square root of 1 where undefined: no NaN enters the result through the other branch.
  return torch::where(defined, sxy / torch::where(defined, sxx * syy, torch::ones_like(sxx)).sqrt(),
                      torch::zeros_like(sxy));
}

Trainer::Trainer(const Config& cfg, const Graph& g, const Samples& s, const Split& split, const RunOptions& ckpt,
                 const DataParallel& dp)
    : cfg_(cfg), tc_(cfg.train), g_(g), s_(s), split_(split), ckpt_(ckpt), dp_(dp), comm_(dp.comm.get()),
      sh_(sharding_of(s, split, dp)), n_genes_(s.num_genes()), st_(cfg.train) {
  dev_ = resolve_device(tc_.device, comm_ ? comm_->local_rank() : 0);
  if (dev_.cuda) device_ = torch::Device(torch::kCUDA, c10::DeviceIndex(dev_.index));
  r_.device = dev_.name();
  build_model();
  share_model();
  // The number of ranks changes the batches, hence the run; the dist.* keys do not.
  identity_ = run_identity(cfg, ckpt.inputs + (sh_.ranks > 1 ? fmt::format("ranks: {}\n", sh_.ranks) : std::string()));
  if (!ckpt.path.empty()) built_buffers_ = buffer_checksums(*model_);
  // Only the validation rows are read here: the test rows are touched after training, so
  // nothing below is chosen by the test set.
  val_mine_ = on_device(sh_.mine(split.val.data(), int64_t(split.val.size())));
  y_val_ = y_.index_select(0, val_mine_);
  plan_batches();
  last_epoch_ = ckpt.stop_epoch > 0 ? std::min(tc_.epochs, ckpt.stop_epoch) : tc_.epochs;
}

Trainer::~Trainer() = default;

// The model from train.seed, the targets, and a fitted start's fit (none when resuming).
void Trainer::build_model() {
  torch::set_num_threads(int(cfg_.threads));
  keep_freed_memory();
  torch::manual_seed(uint64_t(tc_.seed));
  model_ = make_model(cfg_, g_, s_);
  // Targets are read in place (never written); on a GPU a copy goes there (share_model).
  y_host_ = torch::from_blob(const_cast<float*>(s_.y.data.data()), {s_.num_signatures(), n_genes_}, torch::kFloat32);
  y_ = y_host_;
  resuming_ = !ckpt_.path.empty() && std::filesystem::exists(ckpt_.path);
  gat_ = dynamic_cast<GatModel*>(model_.get());
  // gat.program_init: ridge fits the programs decoder once, at the start; refit after every
  // epoch too, with the fitted parameters out of the gradient's reach (it trains the attention).
  refit_ = gat_ && cfg_.gat.program_init == "refit";
  fitted_start_ = gat_ && (cfg_.gat.program_init == "ridge" || refit_);
  if (refit_ && !dp_.sig_local.empty())
    fail("gat.program_init: refit needs every rank to hold every signature (the fit after each epoch "
         "would differ between ranks); use ridge, or one rank");
  if (refit_)
    for (auto& p : gat_->fitted_parameters()) p.set_requires_grad(false);
  if (fitted_start_ && !resuming_) fit_start();
}

// The ridge fit of the programs decoder (gat.program_init ridge or refit), logged.
void Trainer::fit_start() {
  const auto t0 = std::chrono::steady_clock::now();
  const auto fit = gat_->fit_programs(y_host_, fit_rows(split_.train), fit_rows(split_.val));
  if (!ckpt_.log) return;
  const auto& c = cfg_.gat;
  const std::string gates = c.cell_gate != "program"       ? std::string()
                            : std::isinf(fit.gate_lambda)  ? std::string(", no program gates (none helps validation)")
                                                           : fmt::format(", program gates' lambda {:.4g}", fit.gate_lambda);
  const std::string compound = !c.compound_programs          ? std::string()
                               : std::isinf(fit.compound_beta) ? std::string(", no compound programs (none helps validation)")
                                                               : fmt::format(", compound programs' beta {:.4g}", fit.compound_beta);
  ckpt_.log(fmt::format("programs from ridge: alpha {:.4g}{}{}, validation Pearson {:.4f} ({} programs; {} of {} "
                        "training drug nodes reached by one; {:.1f} s)",
                        fit.alpha, gates, compound, fit.val_pearson, fit.programs, fit.reached, fit.drug_nodes,
                        seconds_since(t0)));
}

// On every signature where each rank holds them all (every rank then fits the same); with
// per-rank data on this rank's rows, rank 0's fit being the one share_model broadcasts.
std::vector<int64_t> Trainer::fit_rows(const std::vector<int64_t>& v) const {
  return dp_.sig_local.empty() ? v : sh_.mine(v.data(), int64_t(v.size()));
}

// Rank 0's parameters to every rank (on the host), the model and the targets to the device,
// the gradients' all-reduce, the optimizer.
void Trainer::share_model() {
  if (sh_.ranks > 1) {
    broadcast_module(*comm_, *model_, model_->state_buffers());
    // Dropout and sampling streams of their own on ranks > 0 (rank 0 keeps one process's).
    if (sh_.rank > 0) torch::manual_seed(uint64_t(tc_.seed) * 0x9E3779B97F4A7C15ull + uint64_t(sh_.rank));
  }
  if (dev_.cuda) {
    model_->move_to(device_);  // parameters keep their identity (the optimizer's keys)
    y_ = y_host_.to(device_);
  }
  params_ = model_->parameters();
  for (const auto& p : params_)
    if (p.requires_grad()) trained_.push_back(p);
  if (sh_.ranks > 1) reducer_ = std::make_unique<GradReducer>(dp_.comm, trained_, cfg_.dist.bucket_mb * 1e6);
  r_.ranks = sh_.ranks;
  for (const auto& p : params_) r_.n_params += p.numel();
  opt_ = make_optimizer(tc_, trained_);
}

// The steps' batches: without owners, train.batch_size x ranks signatures of the order; with
// owners (dp.sig_rank, P parts), the next batch_size of each part's share (R ranks: P = R), or
// in one process batch_size / P of each: the batches of R = P ranks with batch_size / R.
void Trainer::plan_batches() {
  parts_ = 1;
  per_part_ = tc_.batch_size * sh_.ranks;
  if (dp_.sig_rank.empty()) return;
  parts_ = sh_.ranks > 1 ? sh_.ranks : 1 + *std::max_element(dp_.sig_rank.begin(), dp_.sig_rank.end());
  if (sh_.ranks == 1 && tc_.batch_size % parts_ != 0)
    fail("train.batch_size {} does not divide among the {} parts owning the signatures", tc_.batch_size, parts_);
  per_part_ = sh_.ranks > 1 ? tc_.batch_size : tc_.batch_size / parts_;
}

void Trainer::resume() {
  if (resuming_) {
    const int64_t threads = load_checkpoint(ckpt_.path, identity_, built_buffers_, *model_, *opt_, st_, sh_.rank);
    r_.resumed_epoch = st_.epochs_run;
    log_resumed(threads);
  } else if (fitted_start_) {
    // A fitted start is the first candidate, "epoch 0": training then keeps only what improves on it.
    const auto [loss, pearson] = evaluate();
    keep_best(pearson, 0);
    if (ckpt_.log) ckpt_.log(fmt::format("fitted start: val_loss {:.4f}  val_pearson {:.4f}", loss, pearson));
  }
}

void Trainer::log_resumed(int64_t threads) const {
  if (!ckpt_.log) return;
  const int64_t steps = st_.epoch_steps;
  ckpt_.log(fmt::format("resuming from checkpoint \"{}\" after epoch {}{}", ckpt_.path, st_.epochs_run,
                        steps > 0 ? fmt::format(" and {} step{} of epoch {}", steps, steps == 1 ? "" : "s", st_.epochs_run + 1)
                                  : std::string()));
  if (threads != cfg_.threads)
    ckpt_.log(fmt::format("the checkpoint was written with {} threads, this run has {}: the "
                          "result may differ in the last bits from an uninterrupted run",
                          threads, cfg_.threads));
}

bool Trainer::done() const {
  const bool stalled = !st_.best.empty() && st_.epochs_run - st_.best_epoch >= tc_.patience;
  return st_.epochs_run >= last_epoch_ || stalled;
}

bool Trainer::run_epoch(EpochLog& log) {
  epoch_start_ = std::chrono::steady_clock::now();
  log.epoch = st_.epochs_run + 1;
  log.lr = st_.schedule.lr(log.epoch);
  set_lr(*opt_, log.lr);
  model_->train();
  std::vector<int64_t> bounds;
  const auto order = batched_order(epoch_order(split_.train, tc_.seed, log.epoch), dp_.sig_rank, parts_, per_part_, bounds);
  // This rank's squared errors (from before a stop, when resuming mid-epoch).
  double sse = 0;
  if (!st_.epoch_sse.empty()) {
    if (int64_t(st_.epoch_sse.size()) != sh_.ranks)
      fail("checkpoint \"{}\": stopped mid-epoch with {} ranks, resumed with {}", ckpt_.path, st_.epoch_sse.size(), sh_.ranks);
    sse = st_.epoch_sse[size_t(sh_.rank)];
  }
  const auto first_step = size_t(st_.epoch_steps), steps = bounds.size() - 1;
  KG_CHECK(first_step < bounds.size(), "checkpoint after step {} of an epoch of {}", first_step, steps);
  st_.epoch_steps = 0, st_.epoch_sse.clear();
  const double sse_before = sse;  // for the progress: this rank's loss since the (re)start
  int64_t trained_mine = 0;
  const auto s0 = std::chrono::steady_clock::now();
  for (size_t b = first_step; b < steps; ++b) {
    const int64_t count = bounds[b + 1] - bounds[b];
    const auto mine = sh_.mine(order.data() + bounds[b], count);
    sse += train_step(mine, count, log.epoch, b + 1, steps);
    trained_mine += int64_t(mine.size());
    if (dp_.after_step) dp_.after_step(++steps_, flat_parameters());
    if (ckpt_.on_step)
      ckpt_.on_step({log.epoch, int64_t(b) + 1, int64_t(steps),
                     (sse - sse_before) / double(std::max<int64_t>(trained_mine, 1) * n_genes_), seconds_since(epoch_start_)});
    if (stop(int64_t(b) + 1, sse)) return false;
  }
  r_.step_seconds += seconds_since(s0);
  if (sh_.ranks > 1) sse = comm_->sum(sse);
  log.train_loss = sse / double(int64_t(order.size()) * n_genes_);
  return true;
}

// One optimizer step on a global batch of `count` signatures, of which this rank trains `mine`
// (rows of its samples); returns this rank's squared errors.
double Trainer::train_step(const std::vector<int64_t>& mine, int64_t count, int64_t epoch, size_t step, size_t steps) {
  double sse = 0;
  opt_->zero_grad();
  if (reducer_) reducer_->begin();
  if (!mine.empty()) {
    auto idx = on_device(mine);
    // The mean over the global batch: ranks' gradients then sum to one process's.
    auto loss = torch::mse_loss(model_->predict(idx), y_.index_select(0, idx), torch::Reduction::Sum) /
                double(count * n_genes_);
    const double l = loss.item<double>();
    if (!std::isfinite(l))  // every later step and the run's metrics would be NaN too
      fail("the training loss became {} at epoch {}, step {} of {}: stopped, no run written "
           "(a non-finite input value, or a learning rate too large: train.lr={})",
           l, epoch, step, steps, tc_.lr);
    loss.backward();
    sse = l * double(count * n_genes_);
  } else {
    model_->skip_step();
  }
  if (reducer_) reducer_->finish();
  if (tc_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(trained_, tc_.grad_clip);
  opt_->step();
  return sse;
}

// All parameters flattened in parameters() order (dp.after_step).
std::vector<float> Trainer::flat_parameters() const {
  torch::NoGradGuard ng;
  std::vector<float> flat;
  for (const auto& p : params_) {
    auto c = p.detach().to(torch::kCPU).contiguous();
    flat.insert(flat.end(), c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  }
  return flat;
}

bool Trainer::stop(int64_t step, double sse) {
  if (!ckpt_.stop) return false;
  // {ranks asked to stop, sum of their signals}: all stop if any was asked to.
  const int signal = ckpt_.stop();
  double asked[2] = {signal > 0 ? 1.0 : 0.0, double(signal)};
  if (sh_.ranks > 1) comm_->sum(asked, 2, DType::f64);
  if (!(asked[0] > 0)) return false;
  st_.epoch_steps = step;
  st_.epoch_sse = sh_.ranks > 1 ? comm_->gather({sse}) : std::vector<double>{sse};
  save(ckpt_.path);
  r_.stopped = int(std::lround(asked[1] / asked[0]));  // the signal (launchers send all ranks the same)
  r_.epochs_run = st_.epochs_run;                      // complete epochs
  return true;
}

void Trainer::save(const std::string& path) {
  if (path.empty()) return;
  if (sh_.ranks > 1) st_.rank_generators = gather_generators(*comm_);
  if (sh_.rank == 0) save_checkpoint(path, cfg_, identity_, built_buffers_, *model_, *opt_, st_);
}

void Trainer::end_epoch(EpochLog& log) {
  if (refit_) refit();  // for the new attention
  std::tie(log.val_loss, log.val_pearson) = evaluate();
  log.seconds = seconds_since(epoch_start_);
  st_.curves.push_back(log);
  st_.epochs_run = log.epoch;
  st_.schedule.end_epoch(keep_best(log.val_pearson, log.epoch));
  if (tc_.checkpoint_every > 0 && log.epoch % tc_.checkpoint_every == 0) save(ckpt_.path);
}

// gat.program_init refit: the programs fitted again, on the CPU (a GPU model goes there and back).
void Trainer::refit() {
  if (dev_.cuda) model_->move_to(torch::kCPU);
  gat_->fit_programs(y_host_, fit_rows(split_.train), fit_rows(split_.val));
  if (dev_.cuda) model_->move_to(device_);
}

torch::Tensor Trainer::on_device(const std::vector<int64_t>& v) const { return index_tensor(v).to(device_); }

// Validation: squared errors and per-signature Pearsons of each rank's rows, summed (on a GPU
// both there, then one transfer).
std::pair<double, double> Trainer::evaluate() {
  double val[2] = {0, 0};
  if (val_mine_.numel() > 0) {
    auto pred = predict_all(*model_, val_mine_);
    if (dev_.cuda) {
      const auto sse = (pred - y_val_).square().sum(torch::kFloat64);
      const auto sums = torch::stack({sse, row_pearsons(pred, y_val_).sum()}).cpu();
      val[0] = sums[0].item<double>(), val[1] = sums[1].item<double>();
    } else {
      val[0] = (pred - y_val_).square().sum(torch::kFloat64).item<double>();
      for (int64_t i = 0; i < pred.size(0); ++i)
        val[1] += pearson(pred[i].data_ptr<float>(), y_val_[i].data_ptr<float>(), n_genes_);
    }
  }
  if (sh_.ranks > 1) comm_->sum(val, 2, DType::f64);
  const auto n_val = double(split_.val.size());
  return {val[0] / (n_val * double(n_genes_)), val[1] / n_val};
}

bool Trainer::keep_best(double pearson, int64_t epoch) {
  if (!st_.best.empty() && !(pearson > st_.best_pearson)) return false;  // NaN never improves
  torch::NoGradGuard ng;
  st_.best.clear();
  for (const auto& p : params_) st_.best.push_back(p.detach().clone());
  st_.best_pearson = pearson;
  st_.best_epoch = epoch;
  return true;
}

RunResult Trainer::finish() {
  // The state after the last epoch (before the best parameters are put back): a later halving
  // rung continues from it.
  save(ckpt_.final_path);
  r_.curves = st_.curves;
  r_.epochs_run = st_.epochs_run;
  r_.best_epoch = st_.best_epoch;
  {
    torch::NoGradGuard ng;
    for (size_t i = 0; i < params_.size(); ++i) params_[i].copy_(st_.best[i]);
  }
  if (reducer_) r_.allreduce_wait_seconds = reducer_->wait_seconds();
  r_.peak_gpu_mb = peak_gpu_mb(dev_);
  if (gat_) keep_gat(*gat_, g_, dp_, sh_, r_);
  final_metrics();
  return r_;
}

// Validation and test metrics, and the test predictions, of the parameters as they are.
void Trainer::final_metrics() {
  {
    auto [pred_val, truth_val] = predict_shared(*model_, y_host_, split_.val, sh_, comm_, device_);
    r_.val_metrics = metrics_of(pred_val, truth_val);
  }
  auto [pred_test, truth_test] = predict_shared(*model_, y_host_, split_.test, sh_, comm_, device_);
  r_.test_metrics = metrics_of(pred_test, truth_test);
  for (int64_t i = 0; i < pred_test.size(0); ++i)
    r_.test_pearson.push_back(pearson(pred_test[i].data_ptr<float>(), truth_test[i].data_ptr<float>(), n_genes_));
  r_.test_index = split_.test;
  r_.test_pred.rows = pred_test.size(0);
  r_.test_pred.cols = n_genes_;
  r_.test_pred.data.assign(pred_test.data_ptr<float>(), pred_test.data_ptr<float>() + pred_test.numel());
}

}  // namespace kg
