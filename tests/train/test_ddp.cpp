// GradReducer in one process, with a stand-in communicator of 2 ranks whose other rank holds
// the same buffers (a sum doubles them): buckets are launched in bucket order whatever order
// the gradients come in, during backward, and unused parameters keep their gradient as is;
// a stalled all-reduce; and over NCCL on one GPU where there is one.
#include <gtest/gtest.h>

#include <cstdlib>

#include "dist/watchdog.hpp"
#include "support/kgtest.hpp"
#include "train/ddp.hpp"

namespace kg {
namespace {

struct Mirror : Comm {
  std::vector<int64_t> launched;  // sizes of the buffers, in launch order
  int rank() const override { return 0; }
  int size() const override { return 2; }
  int local_rank() const override { return 0; }
  std::string backend() const override { return "mirror"; }
  void broadcast(void*, int64_t, DType, int) override {}
  void sum(void* buf, int64_t n, DType t) override {
    EXPECT_EQ(t, DType::f32);
    for (int64_t i = 0; i < n; ++i) static_cast<float*>(buf)[i] *= 2;
  }
  std::unique_ptr<Pending> start_sum(void* buf, int64_t n, DType t, void* = nullptr) override {
    launched.push_back(n);
    sum(buf, n, t);
    struct Now : Pending {
      bool test() override { return true; }
      void wait() override {}
    };
    return std::make_unique<Now>();
  }
  void barrier() override {}
  [[noreturn]] void abort(int code, const std::string&) override { std::abort(); }
};

TEST(GradReducer, SumsGradientsInBucketsLaunchedInOrderDuringBackward) {
  torch::manual_seed(0);
  auto a = torch::randn({5}, torch::requires_grad()), b = torch::randn({3, 2}, torch::requires_grad()),
       c = torch::randn({4}, torch::requires_grad()), unused = torch::randn({2}, torch::requires_grad());
  auto mirror = std::make_shared<Mirror>();
  // 4 bytes per bucket: each parameter gets its own bucket, in reverse order (unused, c, b,
  // a), each with one "used" flag.
  GradReducer red(mirror, {a, b, c, unused}, 4);
  ASSERT_EQ(red.num_buckets(), 4);
  auto loss = [&] { return (a * a).sum() + (b * 3).sum() + c.sum() * a.sum(); };
  auto expect = [&](const torch::Tensor& x, const torch::Tensor& g) { EXPECT_TRUE(torch::allclose(x.grad(), 2 * g)); };

  for (int step = 0; step < 2; ++step) {  // the second step reuses defined (zeroed) gradients
    for (auto* p : {&a, &b, &c})
      if (p->grad().defined()) p->mutable_grad().zero_();
    mirror->launched.clear();
    red.begin();
    loss().backward();
    // The gradient of `unused` never comes, so bucket 0 and everything after it wait for finish.
    EXPECT_TRUE(mirror->launched.empty());
    red.finish();
    EXPECT_EQ(mirror->launched, (std::vector<int64_t>{2 + 1, 4 + 1, 6 + 1, 5 + 1}));
    expect(a, 2 * a.detach() + c.detach().sum());
    expect(b, torch::full({3, 2}, 3.0));
    expect(c, torch::full({4}, a.detach().sum().item<float>()));
    EXPECT_FALSE(unused.grad().defined());  // no rank used it: as in one process
  }
}

TEST(GradReducer, LaunchesDuringBackwardWhenEveryParameterIsUsed) {
  auto w1 = torch::randn({3, 3}, torch::requires_grad()), w2 = torch::randn({3, 3}, torch::requires_grad());
  auto mirror = std::make_shared<Mirror>();
  size_t during = 0;
  // w2's gradient comes first; when w1's comes (this hook runs before the reducer's), w2's
  // bucket must already be in flight.
  w1.register_hook([&](torch::Tensor) { during = mirror->launched.size(); });
  GradReducer red(mirror, {w1, w2}, 1);  // one bucket each
  red.begin();
  auto x = torch::randn({4, 3});
  auto y = torch::relu(x.matmul(w1)).matmul(w2).sum();
  y.backward();
  red.finish();
  EXPECT_EQ(during, 1u);
  EXPECT_EQ(mirror->launched.size(), 2u);
}

TEST(GradReducer, RankWithoutSignaturesContributesZerosAndFlagsNothing) {
  auto w = torch::randn({4}, torch::requires_grad());
  auto mirror = std::make_shared<Mirror>();
  GradReducer red(mirror, {w}, 1e6);
  red.begin();
  red.finish();  // no backward on this rank in this step
  EXPECT_FALSE(w.grad().defined());
  EXPECT_EQ(mirror->launched, (std::vector<int64_t>{4 + 1}));
}

// A communicator whose data plane takes device buffers (as nccl's), with CPU parameters.
struct DeviceMirror : Mirror {
  std::string backend() const override { return "nccl"; }
  bool device_buffers() const override { return true; }
};

TEST(GradReducer, NcclBackendWithCpuParametersIsRefused) {
  auto w = torch::randn({4}, torch::requires_grad());
  kgtest::expect_error([&] { GradReducer red(std::make_shared<DeviceMirror>(), {w}, 1e6); },
                       {"backend nccl: the gradients are CPU tensors", "dist.backend"});
}

// An all-reduce that never completes (a rank that never arrives), waited for as the backends
// do (detail::Watch): finish() ends with the timeout's message (here thrown, not MPI_Abort).
struct Stalled : Mirror {
  detail::Watch watch{0, 2};
  std::unique_ptr<Pending> start_sum(void*, int64_t n, DType, void* = nullptr) override {
    launched.push_back(n);
    struct Never : Pending {
      Stalled* c;
      int64_t seq;
      Never(Stalled* c, int64_t seq) : c(c), seq(seq) {}
      bool test() override { return false; }
      void wait() override {
        c->watch.wait([] { return false; }, seq, "ncclAllReduce", [](const std::string& m) { throw Error(m); });
      }
      ~Never() override = default;  // nothing in flight to wait for
    };
    return std::make_unique<Never>(this, watch.next());
  }
};

TEST(GradReducer, StalledAllReduceEndsWithTheTimeoutMessage) {
  auto w = torch::randn({4}, torch::requires_grad());
  auto stalled = std::make_shared<Stalled>();
  stalled->watch.set_timeout(0.02);
  GradReducer red(stalled, {w}, 1e6);
  red.begin();
  (w * w).sum().backward();
  EXPECT_EQ(stalled->launched.size(), 1u);  // launched during backward
  kgtest::expect_error([&] { red.finish(); },
                       {"rank 0 of 2: ncclAllReduce (collective #1) not complete after 0.02 s (dist.timeout_s)"});
}

// The reducer over NCCL on one GPU, one process: buckets on the GPU, each all-reduce launched
// from autograd's device thread on NCCL's stream after LibTorch's current one; with one rank
// the sums are the gradients themselves. Skipped without NCCL or a CUDA LibTorch and device.
TEST(GradReducer, NcclOneRankOnTheGpuEqualsPlainBackward) {
  if (!have_nccl()) GTEST_SKIP() << "built without NCCL";
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device visible (or a CPU-only LibTorch)";
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"})
    unsetenv(v);
  auto nccl = make_comm("nccl");
  nccl->set_timeout(60);
  torch::manual_seed(0);
  const torch::Device gpu(torch::kCUDA, 0);
  std::vector<torch::Tensor> ps, plain;
  for (auto shape : {std::vector<int64_t>{64, 32}, {32}, {32, 8}, {8}}) {
    auto w = torch::randn(shape).to(gpu);
    ps.push_back(w.clone().set_requires_grad(true));
    plain.push_back(w.clone().set_requires_grad(true));
  }
  auto loss = [](const std::vector<torch::Tensor>& p) {
    auto x = torch::linspace(-1, 1, 16 * 64, torch::TensorOptions().device(p[0].device())).reshape({16, 64});
    return (torch::tanh(x.matmul(p[0]) + p[1]).matmul(p[2]) + p[3]).pow(2).sum();
  };
  GradReducer red(nccl, ps, 1024);  // several buckets
  ASSERT_GT(red.num_buckets(), 1);
  for (int step = 0; step < 3; ++step) {
    red.begin();
    loss(ps).backward();
    red.finish();
    loss(plain).backward();
    for (size_t k = 0; k < ps.size(); ++k) {
      EXPECT_TRUE(ps[k].grad().is_cuda());
      EXPECT_TRUE(torch::equal(ps[k].grad(), plain[k].grad())) << "step " << step << ", parameter " << k;
      ps[k].mutable_grad().zero_();
      plain[k].mutable_grad().zero_();
    }
  }
}

}  // namespace
}  // namespace kg
