// Lineage ids (src/stages/lineage.cpp) on tiny HDF5 files holding only root attributes: what
// record_lineage writes, and what each join check refuses, names and skips.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "core/h5.hpp"
#include "stages/stage.hpp"
#include "support/kgtest.hpp"

namespace {

// An HDF5 file at `name` under a fresh directory holding the given root attributes.
class Lineage : public ::testing::Test {
 protected:
  std::string dir = kgtest::fresh_dir("lineage_" + std::string(
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name()));
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::string file(const std::string& name, const std::map<std::string, std::string>& attrs) {
    const std::string path = dir + "/" + name;
    kg::h5::Writer w(path);
    w.attr("/", "format", "test");
    for (const auto& [k, v] : attrs) w.attr("/", k, v);
    w.commit();
    return path;
  }
};

TEST_F(Lineage, GenerationsAreFreshSixteenHexDigits) {
  const std::string a = kg::new_generation(), b = kg::new_generation();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_NE(a, b);
}

TEST_F(Lineage, RecordsTheGraphsIngestAndTheSplitsGeneration) {
  const std::string graph = file("graph.h5", {{"ingest_generation", "g1"}});
  const std::string split = file("split.h5", {{"split_generation", "s1"}, {"samples_generation", "g1"}});
  const std::string out = dir + "/run.h5";
  {
    kg::h5::Writer w(out);
    kg::record_lineage(w, graph, split);
    w.commit();
  }
  EXPECT_EQ(kg::generation(out, "ingest_generation"), "g1");
  EXPECT_EQ(kg::generation(out, "split_generation"), "s1");
  // Without a split (a partition made with no --split), only the ingest.
  const std::string part = dir + "/partition.h5";
  {
    kg::h5::Writer w(part);
    kg::record_lineage(w, graph, "");
    w.commit();
  }
  EXPECT_EQ(kg::generation(part, "ingest_generation"), "g1");
  EXPECT_EQ(kg::generation(part, "split_generation"), "");
}

TEST_F(Lineage, RefusesAFileOfAnotherIngestOrSplitNamingBothFilesAndIds) {
  const std::string graph = file("graph.h5", {{"ingest_generation", "g1"}});
  const std::string split = file("split.h5", {{"split_generation", "s1"}});
  const std::string same = file("same.h5", {{"ingest_generation", "g1"}, {"split_generation", "s1"}});
  EXPECT_EQ(kgtest::error_of([&] { kg::check_made_from("partition", same, graph, split, "fix it"); }), "");

  const std::string other_ingest = file("other_ingest.h5", {{"ingest_generation", "g2"}, {"split_generation", "s1"}});
  kgtest::expect_error([&] { kg::check_made_from("partition", other_ingest, graph, split, "fix it"); },
                       {"partition \"" + other_ingest + "\": was made from another ingest than graph \"" + graph +
                            "\" (its ingest_generation g2, the graph's g1): fix it"});
  const std::string other_split = file("other_split.h5", {{"ingest_generation", "g1"}, {"split_generation", "s2"}});
  kgtest::expect_error([&] { kg::check_made_from("run", other_split, graph, split, "fix it"); },
                       {"run \"" + other_split + "\": was made from another split than \"" + split +
                            "\" (its split_generation s2, the split's s1): fix it"});
  // No split given: the split is not checked.
  EXPECT_EQ(kgtest::error_of([&] { kg::check_made_from("run", other_split, graph, "", "fix it"); }), "");
}

TEST_F(Lineage, FilesWithoutIdsAreNotChecked) {
  const std::string graph = file("graph.h5", {{"ingest_generation", "g1"}});
  const std::string split = file("split.h5", {{"split_generation", "s1"}});
  const std::string old_graph = file("old_graph.h5", {}), old_split = file("old_split.h5", {});
  const std::string old = file("old.h5", {});
  const std::string made = file("made.h5", {{"ingest_generation", "g2"}, {"split_generation", "s2"}});
  EXPECT_EQ(kgtest::error_of([&] { kg::check_made_from("partition", old, graph, split, ""); }), "");
  EXPECT_EQ(kgtest::error_of([&] { kg::check_made_from("partition", made, old_graph, old_split, ""); }), "");
  EXPECT_EQ(kgtest::error_of([&] { kg::check_ingest_pair(graph, old); }), "");
  EXPECT_EQ(kgtest::error_of([&] { kg::check_split_of(old_split, graph); }), "");
}

TEST_F(Lineage, RefusesSamplesOfAnotherIngestAndASplitOfOtherSamples) {
  const std::string graph = file("graph.h5", {{"ingest_generation", "g1"}});
  const std::string samples = file("samples.h5", {{"ingest_generation", "g2"}});
  kgtest::expect_error([&] { kg::check_ingest_pair(graph, samples); },
                       {"samples \"" + samples + "\"", "was not written by the ingest that wrote graph \"" + graph});
  const std::string split = file("split.h5", {{"samples_generation", "g1"}});
  kgtest::expect_error([&] { kg::check_split_of(split, samples); },
                       {"split \"" + split + "\"", "was made from other samples than \"" + samples + "\""});
  EXPECT_EQ(kgtest::error_of([&] { kg::check_split_of(split, graph); }), "");
}

}  // namespace
