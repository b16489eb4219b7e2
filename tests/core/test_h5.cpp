// HDF5 layer: round trips of every type, atomic commit, no file left on failure, provenance.
#include <gtest/gtest.h>
#include <xxhash.h>
#include <fmt/format.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/h5.hpp"

namespace fs = std::filesystem;

namespace {

template <typename Fn>
void kgtest_expect(Fn fn, const std::string& part) {
  try {
    fn();
    ADD_FAILURE() << "no kg::Error";
  } catch (const kg::Error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

std::string tmp(const std::string& name) {
  auto dir = fs::path(::testing::TempDir()) / "h5test";
  fs::create_directories(dir);
  return (dir / name).string();
}

TEST(H5, RoundTripTypesAndAttributes) {
  std::string p = tmp("a.h5");
  {
    kg::h5::Writer w(p);
    w.write("/x/ints", std::vector<int64_t>{1, -2, 3});
    w.write("/x/floats", std::vector<float>{0.5f, 1.5f});
    kg::h5::Matrix<double> m;
    m.rows = 2; m.cols = 3; m.data = {1, 2, 3, 4, 5, 6};
    w.write("/m", m);
    w.write_strings("/s", {"alpha", "", "µM ünïcode"});
    w.attr("/", "name", "demo");
    w.attr("/x", "count", int64_t(7));
    w.attr("/x", "ratio", 0.25);
    w.commit();
  }
  kg::h5::Reader r(p);
  EXPECT_EQ(r.read<int64_t>("/x/ints"), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(r.read<double>("/x/ints"), (std::vector<double>{1, -2, 3}));  // converted on read
  EXPECT_EQ(r.read<float>("/x/floats"), (std::vector<float>{0.5f, 1.5f}));
  auto m = r.read_matrix<float>("/m");
  EXPECT_EQ(m.rows, 2);
  EXPECT_EQ(m.cols, 3);
  EXPECT_FLOAT_EQ(m.row(1)[2], 6.f);
  auto rows = r.read_rows<double>("/m", 1, 1);
  EXPECT_EQ(rows.data, (std::vector<double>{4, 5, 6}));
  EXPECT_EQ(r.read_strings("/s"), (std::vector<std::string>{"alpha", "", "µM ünïcode"}));
  EXPECT_EQ(r.attr_string("/", "name"), "demo");
  EXPECT_EQ(r.attr_int("/x", "count"), 7);
  EXPECT_DOUBLE_EQ(r.attr_double("/x", "ratio"), 0.25);
  EXPECT_TRUE(r.has("/x/ints"));
  EXPECT_FALSE(r.has("/nope/deeper"));
}

TEST(H5, LargeDatasetsAreChunkedAndReadBack) {
  std::string p = tmp("big.h5");
  kg::h5::Matrix<float> m;
  m.rows = 3000; m.cols = 100;
  m.data.resize(300000);
  for (size_t i = 0; i < m.data.size(); ++i) m.data[i] = float(i % 977) * 0.5f;
  {
    kg::h5::Writer w(p);
    w.write("/y", m);
    w.commit();
  }
  kg::h5::Reader r(p);
  auto back = r.read_rows<float>("/y", 2999, 1);
  EXPECT_FLOAT_EQ(back.data[99], float((2999 * 100 + 99) % 977) * 0.5f);
}

TEST(H5, NothingLeftBehindWithoutCommit) {
  std::string p = tmp("never.h5");
  try {
    kg::h5::Writer w(p);
    w.write("/a", std::vector<int32_t>{1});
    throw std::runtime_error("stage failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(fs::exists(p));
  for (const auto& e : fs::directory_iterator(fs::path(p).parent_path()))
    EXPECT_EQ(e.path().filename().string().find(".never.h5.tmp"), std::string::npos) << e.path();
}

TEST(H5, TemporaryFilesOfKilledWritersOnThisHostAreRemoved) {
  // A writer killed on this host (its PID is gone) left ".x.h5.tmp.<host>.<pid>"; one on another
  // host may still be writing. The next writer of x.h5 removes the first and keeps the second.
  const fs::path dir = fs::path(::testing::TempDir()) / "h5test-stale";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  waitpid(child, &status, 0);  // reaped: its PID belongs to no process now
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  const fs::path dead = dir / fmt::format(".x.h5.tmp.{}.{}", host, child);
  const fs::path other = dir / fmt::format(".x.h5.tmp.{}-elsewhere.{}", host, child);
  const fs::path alive = dir / fmt::format(".x.h5.tmp.{}.{}", host, getppid());
  for (const auto& f : {dead, other, alive}) std::ofstream(f) << "partial";
  kg::h5::Writer w((dir / "x.h5").string());
  w.write("/a", std::vector<int32_t>{1});
  w.commit();
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_TRUE(fs::exists(dir / "x.h5"));
  fs::remove_all(dir);
}

// Large inputs are identified by their size and 64 evenly spaced 1 MiB blocks: a byte inside a
// sampled block changes the checksum, a byte between blocks does not (by design).
TEST(H5, LargeInputsGetASampledChecksum) {
  const int64_t block = kg::h5::kSampledBlock, n = 100 * block + 12345;
  std::string data(size_t(n), '\0');
  for (int64_t i = 0; i < n; ++i) data[size_t(i)] = char((i * 7919) >> 5);
  std::string in = tmp("large.bin");
  auto write = [&] { std::ofstream(in, std::ios::binary).write(data.data(), std::streamsize(n)); };
  write();
  auto info = kg::h5::describe_input(in, 64 * block);
  EXPECT_TRUE(info.sampled);
  EXPECT_EQ(info.size, uint64_t(n));
  std::string want(reinterpret_cast<const char*>(&info.size), 8);
  const int64_t last = n - block;
  for (int64_t k = 0; k < 64; ++k) want += data.substr(size_t(last / 63 * k), size_t(block));
  EXPECT_EQ(info.xxh3, fmt::format("{:016x}", XXH3_64bits(want.data(), want.size())));
  EXPECT_FALSE(kg::h5::describe_input(in).sampled);  // under the default 2 GiB: whole content
  data[size_t(last / 63 * 10 + 5)] ^= 1;  // inside block 10
  write();
  const auto changed = kg::h5::describe_input(in, 64 * block).xxh3;
  EXPECT_NE(changed, info.xxh3);
  data[size_t(last / 63 * 10 + block + 5)] ^= 1;  // between blocks 10 and 11
  write();
  EXPECT_EQ(kg::h5::describe_input(in, 64 * block).xxh3, changed);
  fs::remove(in);
}

TEST(H5, ProvenanceAndConfigSidecar) {
  std::string in = tmp("input.txt");
  std::ofstream(in) << "hello\n";
  auto info = kg::h5::describe_input(in);
  EXPECT_EQ(info.size, 6u);
  // XXH3-64 of "hello\n", computed in one shot (describe_input streams in blocks).
  EXPECT_EQ(info.xxh3, fmt::format("{:016x}", XXH3_64bits("hello\n", 6)));
  EXPECT_FALSE(info.sampled);
  std::string p = tmp("prov.h5");
  {
    kg::h5::Writer w(p);
    kg::h5::Provenance pv;
    pv.stage = "test";
    pv.command_line = "kgpert test --x";
    pv.config_yaml = "model: \"gat\"\n";
    pv.inputs = {info};
    pv.world_size = 4;  // the ranks that wrote it
    w.provenance(pv);
    w.commit();
  }
  kg::h5::Reader r(p);
  EXPECT_EQ(r.attr_string("/", "stage"), "test");
  EXPECT_EQ(r.attr_string("/", "command_line"), "kgpert test --x");
  EXPECT_NE(r.attr_string("/", "inputs").find(in + "\t6\txxh3:" + info.xxh3), std::string::npos);
  EXPECT_FALSE(r.attr_string("/", "host").empty());
  EXPECT_EQ(r.attr_int("/", "world_size"), 4);
  std::ifstream side(tmp("prov.config.yaml"));
  std::string text((std::istreambuf_iterator<char>(side)), {});
  EXPECT_NE(text.find("model: \"gat\""), std::string::npos);
}

// A name of 253 bytes is legal (NAME_MAX 255): its temporary name is cut and hashed to fit,
// and so is a second long name that differs only at its end. The <stem>.config.yaml beside it
// would be over 255 bytes: it is left out (the config is in the file's provenance).
TEST(H5, LongestNamesGetTemporaryNamesThatFit) {
  const fs::path dir = fs::path(::testing::TempDir()) / "h5test-long";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string a = (dir / (std::string(250, 'x') + ".h5")).string();
  const std::string b = (dir / (std::string(249, 'x') + "y.h5")).string();
  {
    kg::h5::Writer wa(a), wb(b);  // both open at once: their temporary names differ
    kg::h5::Provenance pv;
    pv.stage = "test";
    pv.config_yaml = "model: \"gat\"\n";
    wa.write("/a", std::vector<int32_t>{1});
    wa.provenance(pv);
    wb.write("/a", std::vector<int32_t>{2});
    wa.commit();
    wb.commit();
  }
  EXPECT_EQ(kg::h5::Reader(a).read<int32_t>("/a"), std::vector<int32_t>{1});
  EXPECT_EQ(kg::h5::Reader(b).read<int32_t>("/a"), std::vector<int32_t>{2});
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    ++n;
    EXPECT_LE(e.path().filename().string().size(), 255u);
  }
  EXPECT_EQ(n, 2u);  // no temporary file left, no sidecar
  fs::remove_all(dir);
}

// A FIFO is refused by its kind, never opened (that would block), and a directory is not
// reported as missing.
TEST(H5, NonRegularFilesAreRefusedByKind) {
  const std::string fifo = tmp("fifo.h5");
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  kgtest_expect([&] { kg::h5::Reader r(fifo); }, "is a FIFO, not a regular file");
  kgtest_expect([&] { kg::h5::Reader r(fs::path(fifo).parent_path().string()); }, "is a directory");
  kgtest_expect([&] { kg::h5::describe_input(fifo); }, "is a FIFO");
  fs::remove(fifo);
}

TEST(H5, ReadErrorsNameFileAndDataset) {
  std::string p = tmp("errors.h5");  // its own file: each test may run in a process of its own
  {
    kg::h5::Writer w(p);
    w.write("/present", std::vector<float>{1.0f});
    w.commit();
  }
  kg::h5::Reader r(p);
  try {
    r.read<float>("/missing");
    FAIL();
  } catch (const kg::Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(p), std::string::npos) << m;
    EXPECT_NE(m.find("/missing"), std::string::npos) << m;
  }
  std::string noth5 = tmp("text.h5");
  std::ofstream(noth5) << "not hdf5";
  EXPECT_THROW(kg::h5::Reader{noth5}, kg::Error);
  EXPECT_THROW(kg::h5::Reader{tmp("absent.h5")}, kg::Error);
}

// The one format check every reader makes: the file and the expected format are named.
TEST(H5, RequireFormatNamesTheFileAndTheFormat) {
  const std::string p = tmp("fmt.h5"), none = tmp("nofmt.h5");
  {
    kg::h5::Writer w(p);
    w.attr("/", "format", "kgpert-graph-1");
    w.commit();
    kg::h5::Writer v(none);
    v.write("/x", std::vector<int64_t>{1});
    v.commit();
  }
  kg::h5::Reader r(p);
  r.require_format("graph", "kgpert-graph-1");
  kgtest_expect([&] { r.require_format("split", "kgpert-split-1"); },
                "split \"" + p + "\": not a kgpert split file (attribute format != kgpert-split-1)");
  kgtest_expect([&] { kg::h5::Reader(none).require_format("run", "kgpert-run-1"); },
                "run \"" + none + "\": not a kgpert run file");
}

}  // namespace
