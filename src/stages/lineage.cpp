// Which files belong together. Each output that others are made from carries a random id of
// its own: graph.h5 + samples.h5 written by one `kgpert ingest` the same `ingest_generation`,
// split.h5 a `split_generation`. What is made from them records theirs: split.h5 the samples'
// (as `samples_generation`), partition.h5 and run.h5 the graph's `ingest_generation` and the
// split's `split_generation`. Where files are joined, differing ids are an error naming both
// files, so that a samples.h5 beside a graph.h5 of another ingest (a run killed between its two
// renames, files of two datasets), a split of other samples, a partition of another graph or
// split, or a run explained on another graph is refused. Files without the ids (written before
// them) are not checked.
#include <unistd.h>

#include <chrono>
#include <random>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "stages/stage.hpp"

namespace kg {

std::string new_generation() {
  std::random_device rd;
  const auto now = uint64_t(std::chrono::system_clock::now().time_since_epoch().count());
  const uint64_t r = (uint64_t(rd()) << 32) ^ uint64_t(rd()) ^ now ^ (uint64_t(::getpid()) << 16);
  return fmt::format("{:016x}", r);
}

std::string generation(const std::string& path, const std::string& attr) {
  const h5::Reader r(path);
  return r.has_attr("/", attr) ? r.attr_string("/", attr) : "";
}

void check_ingest_pair(const std::string& graph_path, const std::string& samples_path) {
  const std::string a = generation(graph_path, "ingest_generation"), b = generation(samples_path, "ingest_generation");
  if (!a.empty() && !b.empty() && a != b)
    fail_file("samples", samples_path,
              "was not written by the ingest that wrote graph \"{}\" (ingest_generation {} vs {}): "
              "use the graph.h5 and samples.h5 of one ingest",
              graph_path, b, a);
}

void check_split_of(const std::string& split_path, const std::string& samples_path) {
  const std::string made_from = generation(split_path, "samples_generation"),
                    here = generation(samples_path, "ingest_generation");
  if (!made_from.empty() && !here.empty() && made_from != here)
    fail_file("split", split_path,
              "was made from other samples than \"{}\" (its samples_generation {}, the file's ingest_generation "
              "{}): run kgpert split on these samples",
              samples_path, made_from, here);
}

void record_lineage(h5::Writer& w, const std::string& graph_path, const std::string& split_path) {
  if (const std::string g = generation(graph_path, "ingest_generation"); !g.empty()) w.attr("/", "ingest_generation", g);
  if (split_path.empty()) return;
  if (const std::string s = generation(split_path, "split_generation"); !s.empty()) w.attr("/", "split_generation", s);
}

void check_made_from(const std::string& kind, const std::string& path, const std::string& graph_path,
                     const std::string& split_path, const std::string& remedy) {
  const std::string its_ingest = generation(path, "ingest_generation"),
                    graph_ingest = generation(graph_path, "ingest_generation");
  if (!its_ingest.empty() && !graph_ingest.empty() && its_ingest != graph_ingest)
    fail_file(kind, path, "was made from another ingest than graph \"{}\" (its ingest_generation {}, the graph's {}): {}",
              graph_path, its_ingest, graph_ingest, remedy);
  if (split_path.empty()) return;
  const std::string its_split = generation(path, "split_generation"), split = generation(split_path, "split_generation");
  if (!its_split.empty() && !split.empty() && its_split != split)
    fail_file(kind, path, "was made from another split than \"{}\" (its split_generation {}, the split's {}): {}",
              split_path, its_split, split, remedy);
}

}  // namespace kg
