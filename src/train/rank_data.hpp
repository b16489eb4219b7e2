// What each rank of a training run holds (`kgpert train --partition`): the owner of every
// signature from the partition's parts and, with several ranks, only this rank's profiles and,
// for the GAT, its part of the graph with the part's halo (DataParallel, train/trainer.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "dist/comm.hpp"
#include "graph/graph.hpp"
#include "train/trainer.hpp"

namespace kg {

/// [S] the rank that owns each signature: the part of its compound's node.
std::vector<int32_t> signature_ranks(const std::vector<int32_t>& part, const Samples& s);

/// Whether each rank holds only its own share of the data: with a partition (`part_path` not
/// empty) and more than one rank. The samples are then read without their profiles
/// (read_samples(path, false)): rank_data reads this rank's rows.
bool per_rank_data(const std::string& part_path, int ranks);

/// This rank's data for train_model: DataParallel with `comm`, and with a partition
/// (`part_path`, read_partition_parts) the owner of each signature (sig_rank). With per_rank_data, `s`
/// (read from `samples_path` without profiles) then keeps only this rank's signatures with their
/// profiles (select_signatures; sig_local maps the file's signatures to its rows) and, for the
/// GAT, `g` (the whole, ablated graph) becomes this rank's part and halo (cut_graph;
/// owned_nodes).
DataParallel rank_data(const Config& cfg, const std::shared_ptr<Comm>& comm, const std::string& part_path,
                       const std::string& samples_path, Graph& g, Samples& s);

}  // namespace kg
