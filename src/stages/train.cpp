// `kgpert train`: one model (GAT or MLP) on one split with one seed, after the configured
// ablation; writes curves, metrics and test predictions to run.h5. Under mpirun or srun it
// trains data parallel (train/trainer.hpp): rank 0 logs and writes, an error on any rank ends
// every rank.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <cstdio>
#include <memory>
#include <sstream>
#include <fmt/ranges.h>  // fmt::join

#include "core/error.hpp"
#include "stages/stage.hpp"
#include "train/closed_form.hpp"
#include "train/device.hpp"
#include "train/rank_data.hpp"
#include "train/run_file.hpp"
#include "train/trainer.hpp"

namespace kg {

namespace {

// Set by SIGTERM or SIGUSR1 (SLURM before a time limit or a preemption, `scancel --signal`):
// training stops after the current step with a checkpoint.
volatile std::sig_atomic_t stop_signal = 0;
extern "C" void on_stop_signal(int sig) { stop_signal = sig; }

void catch_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sa.sa_flags = SA_RESTART;  // reads and writes under way go on
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGTERM, SIGUSR1}) sigaction(sig, &sa, nullptr);
}

// Bytes of the graph and of the profiles a rank holds.
double graph_mb(const Graph& g) {
  double bytes = double(g.indptr.size()) * 8 + double(g.src.size() + g.rel.size()) * 4;
  for (const auto& f : g.features) bytes += double(f.data.size()) * 4;
  return bytes / 1e6;
}

std::string clock_text(double seconds) {
  const auto s = int64_t(std::max(0.0, seconds) + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60) : fmt::format("{}:{:02}", s / 60, s % 60);
}

// Training progress on rank 0: on a terminal a bar redrawn in place (at most 10 times a
// second), in a log file a plain line every 30 s of a long epoch; and the time left, at most,
// after each epoch (the remaining epochs at the mean epoch time: early stopping may end sooner).
class ProgressDisplay {
 public:
  ProgressDisplay(bool shown, int64_t epochs) : shown_(shown), tty_(isatty(STDERR_FILENO) == 1), epochs_(epochs) {}

  void step(const StepLog& s) {
    if (!shown_) return;
    const double since = s.seconds - last_;
    const double eta = s.step > 0 ? s.seconds / double(s.step) * double(s.steps - s.step) : 0;
    if (tty_ && (since >= 0.1 || s.step == s.steps)) {
      constexpr int kWidth = 24;
      const int filled = int(kWidth * s.step / std::max<int64_t>(s.steps, 1));
      log::terminal(fmt::format("\repoch {:>3}/{} [{}{}] {}/{} steps  loss {:.4f}  {} < {}{}\033[K", s.epoch, epochs_,
                                std::string(size_t(filled), '#'), std::string(size_t(kWidth - filled), '.'), s.step,
                                s.steps, s.train_loss, clock_text(s.seconds), clock_text(eta), run_left_));
      last_ = s.seconds, drawn_ = true;
    } else if (!tty_ && since >= 30) {
      log::info("epoch {:>3}: step {}/{}, train_loss {:.4f}, {} elapsed, {} left in the epoch",
                s.epoch, s.step, s.steps, s.train_loss, clock_text(s.seconds), clock_text(eta));
      last_ = s.seconds;
    }
  }

  void clear() {
    if (drawn_) log::terminal("\r\033[K"), drawn_ = false;
  }

  // Clears the bar before an epoch's line; returns the line's suffix: the time left at most.
  std::string epoch_done(const EpochLog& e) {
    last_ = 0;
    clear();
    total_ += e.seconds, ++done_;
    const int64_t left = epochs_ - e.epoch;
    if (left <= 0) return {};
    run_left_ = fmt::format("  run ≤ {}", clock_text(total_ / double(done_) * double(left)));
    return fmt::format("  (≤ {} left)", clock_text(total_ / double(done_) * double(left)));
  }

 private:
  bool shown_, tty_;
  int64_t epochs_;
  double last_ = 0, total_ = 0;
  int64_t done_ = 0;
  bool drawn_ = false;
  std::string run_left_;
};

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;  // Linux: kB
}

// --variant: the sweep.grid values that make this run, "key=value" separated by spaces (the
// workflow passes them; the report groups runs by them). Keys must be config keys.
std::string read_variant(const StageContext& ctx) {
  const std::string v = ctx.option("variant");
  std::istringstream words(v);
  for (std::string w; words >> w;) {
    const auto eq = w.find('=');
    const std::string key = w.substr(0, eq);
    const auto& keys = config_keys();
    if (eq == std::string::npos || eq == 0 ||
        std::none_of(keys.begin(), keys.end(), [&](const ConfigKey& k) { return k.key == key; }))
      fail("--variant \"{}\": \"{}\" is not key=value with a config key", v, w);
  }
  return v;
}

// A rung of a successive-halving sweep (README, "Successive halving"): --rung R/N (rung R of
// N, from 0), --stop-epoch (its epoch budget, at most train.epochs), --resume-from (the
// previous rung's final checkpoint) and --final-checkpoint (where this rung's goes).
struct Rung {
  int64_t rung = -1, rungs = 0;  // -1: not a rung (a plain run)
  int64_t stop_epoch = 0;        // 0: train.epochs
  std::string resume_from, final_path;
};

Rung read_rung(const StageContext& ctx, const Config& cfg) {
  Rung h;
  h.stop_epoch = ctx.integer("stop-epoch", 0, 1, cfg.train.epochs);
  h.resume_from = ctx.option("resume-from");
  h.final_path = ctx.option("final-checkpoint");
  const std::string rung = ctx.option("rung");
  if (!rung.empty()) {
    const auto slash = rung.find('/');
    try {
      size_t a = 0, b = 0;
      if (slash == std::string::npos) throw std::invalid_argument(rung);
      h.rung = std::stoll(rung.substr(0, slash), &a);
      h.rungs = std::stoll(rung.substr(slash + 1), &b);
      if (a != slash || b != rung.size() - slash - 1) throw std::invalid_argument(rung);
    } catch (const std::exception&) {
      fail("--rung \"{}\": expected R/N, rung R of N (from 0)", rung);
    }
    if (h.rung < 0 || h.rungs < 1 || h.rung >= h.rungs) fail("--rung \"{}\": rung {} of {} is no rung", rung, h.rung, h.rungs);
  }
  if ((!h.resume_from.empty() || !h.final_path.empty() || h.stop_epoch > 0) && is_closed_form(cfg.model))
    fail("--stop-epoch, --resume-from and --final-checkpoint are for trained models; {} is fitted in closed form", cfg.model);
  if (!h.resume_from.empty() && !std::filesystem::exists(h.resume_from))
    fail("--resume-from \"{}\": no such file", h.resume_from);
  return h;
}

// What this rank trains on, read and checked: the inputs named on the command line, after the
// configured ablation, and this rank's share of them (train/rank_data.hpp).
struct Inputs {
  std::string graph_path, samples_path, split_path, part_path;
  bool per_rank = false;  // each rank holds only its own signatures' profiles (and graph part)
  Graph g;
  Samples s;
  Split split;
  DataParallel dp;
  std::vector<std::string> test_group;  // [n_test] each test signature's resampling unit
  std::string group_unit;
};

// The resampling unit of each test signature, for the report's confidence intervals: its
// compound's scaffold (the cell line under cold_cell), as the data are before any ablation.
void set_test_groups(Inputs& in) {
  const Samples& s = in.s;
  in.group_unit = in.split.kind == "cold_cell" ? "cell_line" : "scaffold";
  for (auto i : in.split.test) {
    const auto d = size_t(s.sig_drug[size_t(i)]);
    in.test_group.push_back(in.group_unit == "cell_line" ? s.cell_id[size_t(s.sig_cell[size_t(i)])]
                            : d < in.split.drug_group.size() ? in.split.drug_group[d]
                                                             : "id:" + s.drug_pert_id[d]);
  }
}

// The inputs named on the command line.
Inputs input_paths(const StageContext& ctx) {
  Inputs in;
  in.graph_path = ctx.require("graph");
  in.samples_path = ctx.require("samples");
  in.split_path = ctx.require("split");
  in.part_path = ctx.option("partition");
  return in;
}

// Reads and checks the inputs, applies the ablation, and keeps this rank's share.
void read_inputs(const Config& cfg, const std::shared_ptr<Comm>& comm, Inputs& in) {
  // Per-rank data: with a partition, each rank keeps only the profiles of its signatures (read
  // from samples.h5 by rows) and, for the GAT, its part of the graph and the part's halo.
  in.per_rank = per_rank_data(in.part_path, comm->size());
  check_ingest_pair(in.graph_path, in.samples_path);
  check_split_of(in.split_path, in.samples_path);
  if (!in.part_path.empty())
    check_made_from("partition", in.part_path, in.graph_path, in.split_path,
                    "run kgpert partition on this graph and split");
  in.g = read_graph(in.graph_path);
  in.s = read_samples(in.samples_path, /*with_y=*/!in.per_rank);
  in.s.validate(fmt::format("samples \"{}\"", in.samples_path), in.g.num_nodes(), !in.per_rank);
  in.split = read_split(in.split_path, in.s.num_signatures());
  if (in.split.kind != cfg.split.kind)
    fail_file("split", in.split_path, "is a {} split but the config asks for split.kind={}", in.split.kind,
              cfg.split.kind);
  set_test_groups(in);
  apply_ablation(cfg, in.g, in.s);  // on the whole graph: the parts are cut from the ablated one
  in.dp = rank_data(cfg, comm, in.part_path, in.samples_path, in.g, in.s);
}

// The run's lines go to the log (core/log: rank 0 to stderr); with dist.rank_logs every rank
// also writes them to <out>.rank<r>.log, for as long as the run lasts.
class Say {
 public:
  Say(const Config& cfg, const Comm& comm, const std::string& out) {
    if (cfg.dist.rank_logs && comm.size() > 1) log::open_rank_file(fmt::format("{}.rank{}.log", out, comm.rank()));
  }
  ~Say() { log::open_rank_file(""); }
  Say(const Say&) = delete;
  Say& operator=(const Say&) = delete;
  void operator()(const std::string& line) const { log::info("{}", line); }
};

// The run's first lines: the split, the device, the ranks and their shares, and what each rank
// holds.
void say_setup(Say& say, const Config& cfg, const Inputs& in, Comm& comm, const TrainDevice& dev) {
  const int ranks = comm.size();
  const Split& split = in.split;
  say(fmt::format("train: {} ({}) on the {} split, seed {}: {} train / {} val / {} test signatures\n",
                  cfg.model, cfg.ablation, split.kind, cfg.train.seed, split.train.size(), split.val.size(),
                  split.test.size()));
  if (!is_closed_form(cfg.model))
    say(fmt::format("train: device {} (train.device={}{})\n", describe_device(dev), cfg.train.device,
                    ranks > 1 && dev.cuda ? "; rank 0's: each rank takes the GPU of its local rank" : ""));
  if (ranks > 1) {
    std::string share = "by position";
    if (!in.dp.sig_rank.empty()) {
      std::vector<int64_t> owned(size_t(ranks), 0);
      for (auto i : split.train) ++owned[size_t(in.dp.sig_rank[size_t(i)])];
      share = fmt::format("{}", fmt::join(owned, " "));
    }
    say(fmt::format("train: {} ranks ({} backend, {} threads each), global batch {}; training signatures "
                    "per rank: {}\n", ranks, comm.backend(), cfg.threads, ranks * cfg.train.batch_size, share));
  }
  // What each rank holds: nodes, edges, MB of graph; signatures, MB of profiles.
  const auto held = comm.gather({double(in.g.num_nodes()), double(in.g.num_edges()), graph_mb(in.g),
                                 double(in.s.num_signatures()), double(in.s.y.data.size()) * 4 / 1e6});
  std::vector<std::string> lines;
  for (int q = 0; q < ranks; ++q) {
    const double* h = held.data() + 5 * q;
    lines.push_back(fmt::format("rank {}: {:.0f} nodes, {:.0f} edges ({:.1f} MB), {:.0f} signatures ({:.1f} MB)",
                                q, h[0], h[1], h[2], h[3], h[4]));
  }
  say(fmt::format("train: data held{}: {}\n",
                  ranks == 1 ? "" : in.per_rank ? " (per-rank data)" : " (every rank the whole inputs)",
                  fmt::join(lines, "; ")));
}

// A rung goes on from the previous rung's final checkpoint: copied to `ckpt` (<out>.ckpt),
// unless a killed run of this rung left one there already (that one is further along). The
// checkpoint's identity (config, inputs) is checked as on any resume: the rungs share
// train.epochs, only --stop-epoch differs.
void start_rung(const Rung& rung, const std::string& ckpt, Say& say, Comm& comm) {
  if (rung.resume_from.empty()) return;
  if (comm.rank() == 0 && !std::filesystem::exists(ckpt)) {
    const std::string tmp = ckpt + ".tmp";
    const auto dir = std::filesystem::path(ckpt).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
    std::filesystem::copy_file(rung.resume_from, tmp, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::rename(tmp, ckpt);
    say(fmt::format("train: {}going on from \"{}\"\n", rung.rung >= 0 ? fmt::format("rung {}: ", rung.rung) : "",
                    rung.resume_from));
  }
  comm.barrier();  // every rank sees the copy before it looks for a checkpoint
}

// The run's checkpoints and hooks: <out>.ckpt is resumed from when present (a killed job rerun),
// and removed once run.h5 is in place; a rung's budget and final checkpoint.
RunOptions run_options(const Config& cfg, const std::string& out, const h5::Provenance& prov, const Rung& rung,
                       Say& say, ProgressDisplay& bar) {
  RunOptions ckpt = run_checkpoint(cfg, out, prov.inputs);
  ckpt.log = [&say](const std::string& line) { say("train: " + line + "\n"); };
  ckpt.stop = [] { return int(stop_signal); };
  ckpt.on_step = [&bar](const StepLog& s) { bar.step(s); };
  ckpt.stop_epoch = rung.stop_epoch;
  ckpt.final_path = rung.final_path;
  if ((!rung.resume_from.empty() || !rung.final_path.empty()) && ckpt.path.empty()) ckpt.path = out + ".ckpt";
  return ckpt;
}

// A run stopped by a signal: says where its checkpoint is; the exit status a shell reports for
// a process the signal ended.
int say_stopped(Say& say, const RunResult& r, const RunOptions& ckpt) {
  const char* name = r.stopped == SIGTERM ? "SIGTERM" : r.stopped == SIGUSR1 ? "SIGUSR1" : "a signal";
  say(ckpt.path.empty()
          ? fmt::format("train: stopped by {} in epoch {}; no checkpoint (train.checkpoint_every=0): "
                        "run again, it starts over\n", name, r.epochs_run + 1)
          : fmt::format("train: stopped by {} in epoch {}: checkpoint \"{}\" written; run the same "
                        "command again to go on from there\n", name, r.epochs_run + 1, ckpt.path));
  return 128 + r.stopped;
}

// The run's last lines: what was chosen on validation, the training speed, peak memory.
void say_done(Say& say, const Config& cfg, const Inputs& in, const RunResult& r, Comm& comm) {
  if (!r.selected.empty()) say(fmt::format("train: chosen on validation: {}\n", r.selected));
  if (!is_closed_form(cfg.model)) {
    const double trained = double(in.split.train.size()) * double(r.epochs_run - r.resumed_epoch);
    say(fmt::format("train: {:.0f} signatures/s in training steps ({:.2f} s){}\n",
                    trained / std::max(r.step_seconds, 1e-9), r.step_seconds,
                    comm.size() == 1 ? std::string()
                                     : fmt::format(", of which waiting for gradient all-reduce {:.2f} s ({:.1f}%)",
                                                   r.allreduce_wait_seconds,
                                                   100.0 * r.allreduce_wait_seconds / std::max(r.step_seconds, 1e-9))));
  }
  const auto peak = comm.gather({peak_rss_mb(), r.peak_gpu_mb});
  std::vector<double> rss, gpu;
  for (size_t q = 0; q + 1 < peak.size(); q += 2) rss.push_back(peak[q]), gpu.push_back(peak[q + 1]);
  say(fmt::format("train: peak resident memory per rank: {:.0f} MB{}\n", fmt::join(rss, " MB, "),
                  r.device == "cpu" ? std::string()
                                    : fmt::format("; peak GPU memory per rank: {:.0f} MB", fmt::join(gpu, " MB, "))));
}

int train(StageContext& ctx, const std::shared_ptr<Comm>& comm) {
  const Config& cfg = ctx.cfg;
  const std::string variant = read_variant(ctx);
  const Rung rung = read_rung(ctx, cfg);
  Inputs in = input_paths(ctx);
  const std::string out = ctx.require("out");
  if (comm->size() > 1 && is_closed_form(cfg.model))
    fail("model {} is fitted in closed form by one process; run it without mpirun/srun", cfg.model);
  // Before the inputs are read: train.device=cuda without a GPU fails at once. The trainer
  // resolves it again, the same way.
  const TrainDevice dev =
      is_closed_form(cfg.model) ? TrainDevice{} : resolve_device(cfg.train.device, comm->local_rank());
  read_inputs(cfg, comm, in);
  Say say(cfg, *comm, out);
  say_setup(say, cfg, in, *comm, dev);

  std::vector<std::string> inputs{in.graph_path, in.samples_path, in.split_path};
  if (!in.part_path.empty()) inputs.push_back(in.part_path);
  const h5::Provenance prov = ctx.provenance(inputs, comm->size());
  catch_stop_signals();
  ProgressDisplay bar(comm->rank() == 0, rung.stop_epoch > 0 ? rung.stop_epoch : cfg.train.epochs);
  const RunOptions ckpt = run_options(cfg, out, prov, rung, say, bar);
  start_rung(rung, ckpt.path, say, *comm);
  const ProgressFn print = [&](const EpochLog& e) {
    const std::string left = is_closed_form(cfg.model) ? std::string() : bar.epoch_done(e);
    say(fmt::format("epoch {:>3}  train_loss {:.4f}  val_loss {:.4f}  val_pearson {:.4f}  {:.1f}s{}\n", e.epoch,
                    e.train_loss, e.val_loss, e.val_pearson, e.seconds, left));
  };
  // The closed-form baselines are fitted once (one "epoch" in the curves).
  RunResult r = is_closed_form(cfg.model) ? fit_closed_form(cfg, in.g, in.s, in.split, print)
                                          : train_model(cfg, in.g, in.s, in.split, print, ckpt, in.dp);
  bar.clear();
  if (r.stopped) return say_stopped(say, r, ckpt);
  say_done(say, cfg, in, r, *comm);
  if (comm->rank() != 0) return 0;  // rank 0 writes run.h5 (every rank holds the same result)
  r.test_group = std::move(in.test_group);
  r.test_group_unit = in.group_unit;
  write_run_file(out, {cfg.model, cfg.ablation, in.split.kind, variant, cfg.train.seed, rung.rung, rung.rungs,
                       is_closed_form(cfg.model) ? 0 : rung.stop_epoch > 0 ? rung.stop_epoch : cfg.train.epochs,
                       generation(in.graph_path, "ingest_generation"), generation(in.split_path, "split_generation")},
                 r, prov);
  if (!ckpt.path.empty()) std::remove(ckpt.path.c_str());
  return 0;
}

}  // namespace

int stage_train(StageContext& ctx) {
  auto comm = world_comm(ctx.cfg.dist.backend);
  comm->set_timeout(ctx.cfg.dist.timeout_s);
  if (comm->size() == 1) return train(ctx, comm);
  try {
    return train(ctx, comm);
  } catch (const std::exception& e) {
    // One rank's error must not leave the others waiting in a collective.
    std::string msg = e.what();
    comm->abort(1, fmt::format("kgpert train: rank {} of {}: {}", comm->rank(), comm->size(),
                               msg.substr(0, msg.find('\n'))));
  }
  return 1;  // not reached: abort() ends the process
}

}  // namespace kg
