// Which files belong together. graph.h5 + samples.h5 written by one `kgpert ingest` carry the
// same `ingest_generation`, and split.h5 records the one of the samples it split (as
// `samples_generation`), so that a samples.h5 beside a graph.h5 of another ingest (a run killed
// between its two renames, files of two datasets) or a split of other samples is refused where
// the files are joined.
#include <unistd.h>

#include <chrono>
#include <random>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "stages/stage.hpp"

namespace kg {

std::string new_ingest_generation() {
  std::random_device rd;
  const auto now = uint64_t(std::chrono::system_clock::now().time_since_epoch().count());
  const uint64_t r = (uint64_t(rd()) << 32) ^ uint64_t(rd()) ^ now ^ (uint64_t(::getpid()) << 16);
  return fmt::format("{:016x}", r);
}

void check_ingest_pair(const std::string& graph_path, const std::string& samples_path) {
  const h5::Reader g(graph_path), s(samples_path);
  const char* kAttr = "ingest_generation";
  if (!g.has_attr("/", kAttr) || !s.has_attr("/", kAttr)) return;  // written before the attribute
  const std::string a = g.attr_string("/", kAttr), b = s.attr_string("/", kAttr);
  if (a != b)
    fail_file("samples", samples_path,
              "was not written by the ingest that wrote graph \"{}\" (ingest_generation {} vs {}): "
              "use the graph.h5 and samples.h5 of one ingest",
              graph_path, b, a);
}

std::string samples_generation(const std::string& samples_path) {
  const h5::Reader s(samples_path);
  return s.has_attr("/", "ingest_generation") ? s.attr_string("/", "ingest_generation") : "";
}

void check_split_of(const std::string& split_path, const std::string& samples_path) {
  const h5::Reader sp(split_path);
  if (!sp.has_attr("/", "samples_generation")) return;
  const std::string made_from = sp.attr_string("/", "samples_generation"), here = samples_generation(samples_path);
  if (!here.empty() && made_from != here)
    fail_file("split", split_path,
              "was made from other samples than \"{}\" (its samples_generation {}, the file's ingest_generation "
              "{}): run kgpert split on these samples",
              samples_path, made_from, here);
}

}  // namespace kg
