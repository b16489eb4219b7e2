// Checkpoint files: write (atomic, through h5::Writer) and restore into a freshly built model,
// optimizer and training state, refusing a checkpoint of another run.
#include "train/checkpoint.hpp"

#include <xxhash.h>

#include <map>
#include <mutex>
#include <sstream>
#include <type_traits>

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/ranges.h>  // fmt::join

#include "core/error.hpp"

namespace kg {

namespace {

constexpr const char* kFormat = "kgpert-checkpoint-2";

hid_t h5_type(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32: return H5T_NATIVE_FLOAT;
    case torch::kFloat64: return H5T_NATIVE_DOUBLE;
    case torch::kInt64: return H5T_NATIVE_INT64;
    case torch::kInt32: return H5T_NATIVE_INT32;
    case torch::kUInt8: return H5T_NATIVE_UINT8;
    default: KG_CHECK(false, "no HDF5 type for {}", c10::toString(t));
  }
  return -1;
}

// Tensors are written uncompressed: on the demo GAT, deflate made the 7.5 MB checkpoint 13%
// smaller and its write 7x slower (165 ms, not 25 ms).
// A checkpoint holds host tensors whatever the device (train.device): CPU and GPU runs resume
// each other's.
void write_tensor(h5::Writer& w, const std::string& ds, const torch::Tensor& t) {
  const auto c = t.detach().cpu().contiguous();
  KG_CHECK(c.dim() >= 1, "{} is a scalar", ds);
  std::vector<hsize_t> shape(c.sizes().begin(), c.sizes().end());
  switch (c.scalar_type()) {
    case torch::kFloat32: w.write(ds, c.data_ptr<float>(), shape, false); break;
    case torch::kFloat64: w.write(ds, c.data_ptr<double>(), shape, false); break;
    case torch::kInt64: w.write(ds, c.data_ptr<int64_t>(), shape, false); break;
    case torch::kInt32: w.write(ds, c.data_ptr<int32_t>(), shape, false); break;
    case torch::kUInt8: w.write(ds, c.data_ptr<uint8_t>(), shape, false); break;
    default: KG_CHECK(false, "{}: no HDF5 type for {}", ds, c10::toString(c.scalar_type()));
  }
}

// Dataset `ds` as a new tensor of the shape, type and device of `like`; another stored shape is
// an error.
torch::Tensor read_like(const h5::Reader& r, const std::string& ds, const torch::Tensor& like) {
  const auto dims = r.shape(ds);
  const auto want = like.sizes();
  if (dims.size() != want.size() || !std::equal(dims.begin(), dims.end(), want.begin(),
                                                [](hsize_t a, int64_t b) { return int64_t(a) == b; }))
    r.fail(ds, fmt::format("stored shape [{}], the model has [{}]", fmt::join(dims, ", "),
                           fmt::join(want, ", ")));
  auto out = torch::empty(want, like.options().device(torch::kCPU));
  h5::Handle d(H5Dopen2(r.id(), ds.c_str(), H5P_DEFAULT));
  if (out.numel() > 0 &&
      H5Dread(d.get(), h5_type(out.scalar_type()), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data_ptr()) < 0)
    r.fail(ds, "read failed");
  return out.to(like.device());
}

std::string checksum_line(const std::string& name, const torch::Tensor& t) {
  const auto c = t.detach().cpu().contiguous();
  return fmt::format("{} {} [{}] xxh3:{:016x}", name, c10::toString(c.scalar_type()),
                     fmt::join(c.sizes(), ", "), XXH3_64bits(c.data_ptr(), c.nbytes()));
}

// "name: value" lines as a map (the name is what precedes the first ": ").
std::map<std::string, std::string> by_name(const std::vector<std::string>& lines) {
  std::map<std::string, std::string> m;
  for (const auto& l : lines) {
    auto colon = l.find(": ");
    m[l.substr(0, colon)] = colon == std::string::npos ? "" : l.substr(colon + 2);
  }
  return m;
}

void check_identity(const h5::Reader& r, const std::vector<std::string>& here) {
  const auto there = r.read_strings("/identity");
  if (there == here) return;
  const auto a = by_name(there), b = by_name(here);
  auto refuse = [&](const std::string& what) {
    fail_file("checkpoint", r.path(),
              "was written by another run ({}); delete it to start this run from epoch 1", what);
  };
  for (const auto& [name, value] : b) {
    auto it = a.find(name);
    if (it == a.end()) refuse(fmt::format("it has no \"{}\"", name));
    if (it->second != value) refuse(fmt::format("\"{}\" is {} there, {} here", name, it->second, value));
  }
  for (const auto& [name, value] : a)
    if (!b.count(name)) refuse(fmt::format("it has \"{}\", this run has not", name));
  refuse("identity lines in another order");
}

// The key of a parameter's state in a LibTorch optimizer: its TensorImpl's address, printed as
// a string up to LibTorch 1.13, the pointer itself from 2.x on.
template <typename StateMap>
typename StateMap::key_type state_key(const StateMap&, const torch::Tensor& p) {
  if constexpr (std::is_same_v<typename StateMap::key_type, std::string>) {
    std::ostringstream os;
    os << static_cast<const void*>(p.unsafeGetTensorImpl());
    return os.str();
  } else {
    return p.unsafeGetTensorImpl();
  }
}

template <typename State>
void save_adam_state(h5::Writer& w, torch::optim::Optimizer& opt,
                     const std::vector<std::string>& names, const std::vector<torch::Tensor>& params) {
  std::vector<int64_t> steps;
  for (size_t i = 0; i < params.size(); ++i) {
    auto it = opt.state().find(state_key(opt.state(), params[i]));
    if (it == opt.state().end()) {  // never stepped (a parameter without gradient so far)
      steps.push_back(0);
      continue;
    }
    const auto& st = static_cast<const State&>(*it->second);
    steps.push_back(st.step());
    write_tensor(w, "/optimizer/exp_avg/" + names[i], st.exp_avg());
    write_tensor(w, "/optimizer/exp_avg_sq/" + names[i], st.exp_avg_sq());
  }
  w.write("/optimizer/step", steps);
}

template <typename State>
void load_adam_state(const h5::Reader& r, torch::optim::Optimizer& opt,
                     const std::vector<std::string>& names, const std::vector<torch::Tensor>& params) {
  const auto steps = r.read<int64_t>("/optimizer/step");
  if (steps.size() != params.size())
    r.fail("/optimizer/step", fmt::format("{} entries for {} parameters", steps.size(), params.size()));
  for (size_t i = 0; i < params.size(); ++i) {
    const auto key = state_key(opt.state(), params[i]);
    opt.state().erase(key);
    if (steps[i] == 0) continue;
    auto st = std::make_unique<State>();
    st->step(steps[i]);
    st->exp_avg(read_like(r, "/optimizer/exp_avg/" + names[i], params[i]));
    st->exp_avg_sq(read_like(r, "/optimizer/exp_avg_sq/" + names[i], params[i]));
    opt.state()[key] = std::move(st);
  }
}

std::vector<std::string> param_names(const torch::nn::Module& m) {
  std::vector<std::string> names;
  for (const auto& p : m.named_parameters()) names.push_back(p.key());
  return names;
}

}  // namespace

std::vector<std::string> run_identity(const Config& cfg, const std::string& inputs) {
  std::vector<std::string> lines;
  for (const auto& k : config_keys())
    if (k.key != "threads" && k.key != "train.checkpoint_every" && k.key != "train.device" &&
        k.key.rfind("dist.", 0) != 0 && k.key.rfind("resources.", 0) != 0)
      lines.push_back(k.key + ": " + k.show(cfg));
  std::string line;
  for (char ch : inputs) {
    if (ch != '\n') {
      line += ch;
    } else if (!line.empty()) {
      lines.push_back(line), line.clear();
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::vector<std::string> buffer_checksums(const torch::nn::Module& m) {
  std::vector<std::string> lines;
  for (const auto& b : m.named_buffers()) lines.push_back(checksum_line(b.key(), b.value()));
  return lines;
}

void save_checkpoint(const std::string& path, const Config& cfg, const std::vector<std::string>& identity,
                     const std::vector<std::string>& built_buffers, const torch::nn::Module& m,
                     torch::optim::Optimizer& opt, const TrainState& st) {
  h5::Writer w(path);
  w.attr("/", "format", kFormat);
  w.attr("/", "threads", cfg.threads);
  w.attr("/", "optimizer", cfg.train.optimizer);
  w.attr("/", "epochs_run", st.epochs_run);
  w.attr("/", "epoch_steps", st.epoch_steps);
  w.write("/epoch_sse", st.epoch_sse);
  w.attr("/", "best_epoch", st.best_epoch);
  w.attr("/", "best_pearson", st.best_pearson);
  w.attr("/", "lr_scale", st.schedule.scale);
  w.attr("/", "lr_wait", st.schedule.wait);
  w.write_strings("/identity", identity);

  const auto names = param_names(m);
  const auto params = m.parameters();
  for (size_t i = 0; i < params.size(); ++i) write_tensor(w, "/params/" + names[i], params[i]);
  KG_CHECK(st.best.size() == params.size() || st.best.empty());
  for (size_t i = 0; i < st.best.size(); ++i) write_tensor(w, "/best/" + names[i], st.best[i]);

  // Buffers derived from the inputs are rebuilt on resume; only those training changed (a
  // sampler's counter, running statistics) are stored.
  const auto buffers = m.named_buffers();
  const auto now = buffer_checksums(m);
  KG_CHECK(now.size() == built_buffers.size());
  std::vector<std::string> changed;
  for (size_t i = 0; i < buffers.size(); ++i)
    if (now[i] != built_buffers[i]) {
      changed.push_back(buffers[i].key());
      write_tensor(w, "/buffers/" + buffers[i].key(), buffers[i].value());
    }
  w.write_strings("/buffers/built", built_buffers);
  w.write_strings("/buffers/changed", changed);

  if (dynamic_cast<torch::optim::AdamW*>(&opt))
    save_adam_state<torch::optim::AdamWParamState>(w, opt, names, params);
  else if (dynamic_cast<torch::optim::Adam*>(&opt))
    save_adam_state<torch::optim::AdamParamState>(w, opt, names, params);
  else
    KG_CHECK(false, "checkpoints support Adam and AdamW only");

  write_curves(w, st.curves);
  if (st.rank_generators.empty()) {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    write_tensor(w, "/rng/torch_cpu", gen.get_state());
  } else {
    write_tensor(w, "/rng/torch_cpu", st.rank_generators[0]);
    for (size_t k = 1; k < st.rank_generators.size(); ++k)
      write_tensor(w, fmt::format("/rng/torch_cpu_rank{}", k), st.rank_generators[k]);
  }
  w.commit();
}

int64_t load_checkpoint(const std::string& path, const std::vector<std::string>& identity,
                        const std::vector<std::string>& built_buffers, torch::nn::Module& m,
                        torch::optim::Optimizer& opt, TrainState& st, int rank) {
  h5::Reader r(path);
  r.require_format("checkpoint", kFormat);
  check_identity(r, identity);
  // The identity covers config and inputs, so a differing buffer means the model is built
  // differently from the same inputs (another program version): not this run either. They
  // are rank 0's: other ranks of a partitioned run build theirs from their own parts.
  if (rank == 0 && r.read_strings("/buffers/built") != built_buffers)
    fail_file("checkpoint", path, "was written by a model built differently from the same inputs "
              "(another kgpert version?); delete it to start this run from epoch 1");

  torch::NoGradGuard ng;
  const auto names = param_names(m);
  auto params = m.parameters();
  for (size_t i = 0; i < params.size(); ++i) params[i].copy_(read_like(r, "/params/" + names[i], params[i]));
  st.epochs_run = r.attr_int("/", "epochs_run");
  st.epoch_steps = r.attr_int("/", "epoch_steps");
  st.epoch_sse = r.read<double>("/epoch_sse");
  if (st.epoch_steps < 0) r.fail("/", fmt::format("epoch_steps {} < 0", st.epoch_steps));
  st.best_epoch = r.attr_int("/", "best_epoch");
  st.best_pearson = r.attr_double("/", "best_pearson");
  st.schedule.scale = r.attr_double("/", "lr_scale");
  st.schedule.wait = r.attr_int("/", "lr_wait");
  st.best.clear();
  // Best parameters, when there are any: after an epoch, or the fitted start (best_epoch 0).
  if (!params.empty() && r.has("/best/" + names[0]))
    for (size_t i = 0; i < params.size(); ++i) st.best.push_back(read_like(r, "/best/" + names[i], params[i]));

  std::map<std::string, torch::Tensor> buffers;
  for (const auto& b : m.named_buffers()) buffers[b.key()] = b.value();
  for (const auto& name : r.read_strings("/buffers/changed")) {
    auto it = buffers.find(name);
    if (it == buffers.end()) r.fail("/buffers/" + name, "the model has no such buffer");
    it->second.copy_(read_like(r, "/buffers/" + name, it->second));
  }

  if (dynamic_cast<torch::optim::AdamW*>(&opt))
    load_adam_state<torch::optim::AdamWParamState>(r, opt, names, params);
  else if (dynamic_cast<torch::optim::Adam*>(&opt))
    load_adam_state<torch::optim::AdamParamState>(r, opt, names, params);
  else
    KG_CHECK(false, "checkpoints support Adam and AdamW only");

  st.curves = read_curves(r);
  if (int64_t(st.curves.size()) != st.epochs_run)
    r.fail("/curves/epoch", fmt::format("{} epochs for epochs_run {}", st.curves.size(), st.epochs_run));
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(read_like(r, rank == 0 ? "/rng/torch_cpu" : fmt::format("/rng/torch_cpu_rank{}", rank),
                            gen.get_state()));
  }
  return r.attr_int("/", "threads");
}

void load_parameters(const h5::Reader& r, const std::string& group, torch::nn::Module& m) {
  torch::NoGradGuard ng;
  for (auto& p : m.named_parameters()) p.value().copy_(read_like(r, group + "/" + p.key(), p.value()));
}

void write_curves(h5::Writer& w, const std::vector<EpochLog>& curves) {
  std::vector<int64_t> epoch;
  std::vector<double> train_loss, val_loss, val_pearson, lr, seconds;
  for (const auto& e : curves) {
    epoch.push_back(e.epoch);
    train_loss.push_back(e.train_loss);
    val_loss.push_back(e.val_loss);
    val_pearson.push_back(e.val_pearson);
    lr.push_back(e.lr);
    seconds.push_back(e.seconds);
  }
  w.write("/curves/epoch", epoch);
  w.write("/curves/train_loss", train_loss);
  w.write("/curves/val_loss", val_loss);
  w.write("/curves/val_pearson", val_pearson);
  w.write("/curves/lr", lr);
  w.write("/curves/seconds", seconds);
}

std::vector<EpochLog> read_curves(const h5::Reader& r) {
  const auto epoch = r.read<int64_t>("/curves/epoch");
  const auto train_loss = r.read<double>("/curves/train_loss"), val_loss = r.read<double>("/curves/val_loss"),
             val_pearson = r.read<double>("/curves/val_pearson"), lr = r.read<double>("/curves/lr"),
             seconds = r.read<double>("/curves/seconds");
  for (const auto* v : {&train_loss, &val_loss, &val_pearson, &lr, &seconds})
    if (v->size() != epoch.size()) r.fail("/curves", "columns of different lengths");
  std::vector<EpochLog> out(epoch.size());
  for (size_t i = 0; i < epoch.size(); ++i)
    out[i] = {epoch[i], train_loss[i], val_loss[i], val_pearson[i], lr[i], seconds[i]};
  return out;
}

}  // namespace kg
