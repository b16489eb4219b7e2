// LINCS GCTX (HDF5) files as published by both writers (cmapPy/h5py and MATLAB/cmapM):
// selective reads of rows (genes) x columns (samples), and a writer in the cmapPy layout.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/h5.hpp"

namespace kg {

/// Metadata of one axis: ids plus every other field, each as strings (numbers formatted).
struct GctxAxis {
  std::vector<std::string> ids;
  std::map<std::string, std::vector<std::string>> fields;
};

/// An open GCTX file. The matrix on disk is (n_cols, n_rows) = (samples, genes).
class GctxFile {
 public:
  explicit GctxFile(const std::string& path);  // throws kg::Error naming the file
  const std::string& path() const { return path_; }
  bool has_matrix() const;                     // false for metadata-only files
  int64_t num_rows() const;                    // genes
  int64_t num_cols() const;                    // samples
  GctxAxis rows() const;                       // /0/META/ROW
  GctxAxis cols() const;                       // /0/META/COL
  std::vector<std::string> row_ids() const;
  std::vector<std::string> col_ids() const;
  /// Reads the selected rows and columns in chunks (memory ~ selection, never the whole
  /// matrix). Result is [col_index.size(), row_index.size()] (sample-major, like the file).
  h5::Matrix<float> read(const std::vector<int64_t>& row_index,
                         const std::vector<int64_t>& col_index) const;

 private:
  std::string path_;
  h5::Reader file_;
  bool has_matrix_ = false;
  int64_t n_rows_ = 0, n_cols_ = 0;
};

/// What the writer needs. `values` is [cols, rows] = [samples, genes].
struct GctxData {
  GctxAxis rows, cols;
  h5::Matrix<float> values;
};

/// Writes in the cmapPy layout (NULLPAD fixed-length strings, float32 chunked matrix,
/// root attribute version="GCTX1.0"), atomically.
void write_gctx(const std::string& path, const GctxData& data);

/// The same layout written a block of samples at a time, for matrices larger than memory:
/// the metadata at construction, then write() for consecutive blocks of samples [k, n_rows]
/// from sample 0 on, then commit() once every sample is written. Until commit() the file is
/// a temporary next to `path` (removed if the writer is destroyed first).
class GctxWriter {
 public:
  GctxWriter(const std::string& path, const GctxAxis& rows, const GctxAxis& cols);
  ~GctxWriter();
  void write(const h5::Matrix<float>& block);  // block.cols == rows.ids.size()
  void commit();

 private:
  std::string path_;
  h5::AtomicFile out_;
  h5::Handle file_, matrix_;
  int64_t n_rows_ = 0, n_cols_ = 0, written_ = 0;
};

}  // namespace kg
