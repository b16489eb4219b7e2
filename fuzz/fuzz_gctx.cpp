// Fuzz target: the GCTX reader. Structured, not raw bytes: raw bytes would mostly exercise
// libhdf5's own parsing of corrupt files (its bugs there are not ours, and can crash it), so
// the fuzz bytes instead choose a *valid* HDF5 file — which groups and datasets exist, their
// ranks, shapes (large ones too: an unwritten chunked dataset costs no disk), dtypes, string
// padding, chunking, ids and values (NaN/Inf included) — written with the HDF5 API; then
// GctxFile opens it and reads the metadata and a selection of the matrix.
#include <fuzzer/FuzzedDataProvider.h>
#include <hdf5.h>

#include <string>
#include <vector>

#include "common.hpp"
#include "io/gctx.hpp"

namespace {

using kg::h5::Handle;

// The element types a dataset may get: what both GCTX writers use, plus ones they never do.
enum class Kind { FixedNullpad, FixedSpacepad, FixedNullterm, VarString, Int64, Int32, Uint64,
                  Float32, Float64, Compound, kMax = Compound };

Handle make_type(Kind k, size_t width) {
  switch (k) {
    case Kind::FixedNullpad:
    case Kind::FixedSpacepad:
    case Kind::FixedNullterm: {
      Handle t(H5Tcopy(H5T_C_S1));
      H5Tset_size(t.get(), width);
      H5Tset_strpad(t.get(), k == Kind::FixedNullpad    ? H5T_STR_NULLPAD
                             : k == Kind::FixedSpacepad ? H5T_STR_SPACEPAD
                                                        : H5T_STR_NULLTERM);
      return t;
    }
    case Kind::VarString: {
      Handle t(H5Tcopy(H5T_C_S1));
      H5Tset_size(t.get(), H5T_VARIABLE);
      return t;
    }
    case Kind::Int64: return Handle(H5Tcopy(H5T_NATIVE_INT64));
    case Kind::Int32: return Handle(H5Tcopy(H5T_NATIVE_INT32));
    case Kind::Uint64: return Handle(H5Tcopy(H5T_NATIVE_UINT64));
    case Kind::Float32: return Handle(H5Tcopy(H5T_NATIVE_FLOAT));
    case Kind::Float64: return Handle(H5Tcopy(H5T_NATIVE_DOUBLE));
    case Kind::Compound: {
      Handle t(H5Tcreate(H5T_COMPOUND, 8));
      H5Tinsert(t.get(), "a", 0, H5T_NATIVE_INT32);
      H5Tinsert(t.get(), "b", 4, H5T_NATIVE_FLOAT);
      return t;
    }
  }
  return Handle();
}

struct Builder {
  FuzzedDataProvider& in;
  hid_t file;

  // A dimension: mostly small, sometimes off by one, sometimes huge (unwritten, chunked).
  hsize_t dim(hsize_t usual) {
    switch (in.ConsumeIntegralInRange<int>(0, 15)) {
      case 0: return usual + 1;
      case 1: return usual ? usual - 1 : 0;
      case 2: return hsize_t(1) << in.ConsumeIntegralInRange<int>(20, 40);
      default: return usual;
    }
  }

  // Creates dataset `name` of `dims` and fills what fits of it from the fuzz bytes (nothing
  // for huge shapes: HDF5 returns the fill value there).
  void dataset(const std::string& name, Kind k, std::vector<hsize_t> dims) {
    size_t width = in.ConsumeIntegralInRange<size_t>(1, 24);
    Handle type = make_type(k, width);
    Handle space(dims.empty() ? H5Screate(H5S_SCALAR)
                              : H5Screate_simple(int(dims.size()), dims.data(), nullptr));
    hsize_t n = 1;
    bool huge = false;
    for (hsize_t d : dims) {
      huge = huge || d > 4096;
      n *= d;
    }
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
    if (!dims.empty() && (huge || in.ConsumeBool())) {
      std::vector<hsize_t> chunk(dims.size());
      for (size_t i = 0; i < dims.size(); ++i)
        chunk[i] = std::max<hsize_t>(1, std::min<hsize_t>(dims[i], in.ConsumeIntegralInRange<hsize_t>(1, 64)));
      H5Pset_chunk(dcpl.get(), int(chunk.size()), chunk.data());
    }
    Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    Handle ds(H5Dcreate2(file, name.c_str(), type.get(), space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT));
    if (!ds || huge || n == 0) return;
    if (k == Kind::VarString) {
      std::vector<std::string> s(n);
      std::vector<const char*> p(n);
      for (hsize_t i = 0; i < n; ++i) p[i] = (s[i] = in.ConsumeRandomLengthString(16)).c_str();
      H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data());
    } else {
      std::vector<uint8_t> buf(n * H5Tget_size(type.get()));
      std::vector<uint8_t> bytes = in.ConsumeBytes<uint8_t>(buf.size());  // raw: NaN, Inf too
      std::copy(bytes.begin(), bytes.end(), buf.begin());
      H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
    }
  }

  Kind kind(Kind usual) {
    return in.ConsumeIntegralInRange<int>(0, 3) ? usual
                                                : Kind(in.ConsumeIntegralInRange<int>(0, int(Kind::kMax)));
  }

  // One metadata group: its ids and a few other fields; or a group, or nothing, in its place.
  void axis(const std::string& group, hsize_t n) {
    switch (in.ConsumeIntegralInRange<int>(0, 7)) {
      case 0: return;  // missing
      case 1: H5Gclose(H5Gcreate2(file, (group + "/id").c_str(), make_lcpl().get(), H5P_DEFAULT, H5P_DEFAULT)); break;
      default: {
        std::vector<hsize_t> dims{dim(n)};
        if (in.ConsumeIntegralInRange<int>(0, 15) == 0) dims.push_back(2);
        dataset(group + "/id", kind(Kind::FixedNullpad), dims);
      }
    }
    for (int f = in.ConsumeIntegralInRange<int>(0, 3); f > 0; --f) {
      std::string name = in.ConsumeRandomLengthString(8);
      if (name.empty() || name.find('/') != std::string::npos || name == "." ) name = "f" + std::to_string(f);
      if (in.ConsumeIntegralInRange<int>(0, 7) == 0)
        H5Gclose(H5Gcreate2(file, (group + "/" + name).c_str(), make_lcpl().get(), H5P_DEFAULT, H5P_DEFAULT));
      else
        dataset(group + "/" + name, kind(Kind::FixedSpacepad), {dim(n)});
    }
  }

  static Handle make_lcpl() {
    Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    return lcpl;
  }
};

// Reads what a caller of GctxFile reads: metadata, then a selection of the matrix.
void read_all(const std::string& path, FuzzedDataProvider& in) {
  kg::GctxFile f(path);
  kg::GctxAxis rows = f.rows(), cols = f.cols();
  if (!f.has_matrix()) return;
  std::vector<int64_t> ri, ci;
  for (int k = in.ConsumeIntegralInRange<int>(0, 8); k > 0; --k)
    ri.push_back(in.ConsumeIntegralInRange<int64_t>(-1, f.num_rows()));
  for (int k = in.ConsumeIntegralInRange<int>(0, 8); k > 0; --k)
    ci.push_back(in.ConsumeIntegralInRange<int64_t>(-1, f.num_cols()));
  kg::h5::Matrix<float> m = f.read(ri, ci);
  if (m.rows != int64_t(ci.size()) || m.cols != int64_t(ri.size())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // HDF5's error stack printing: noise here
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string& path = kg::fuzz::temp_path(".gctx");
  {
    Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    if (!file) std::abort();
    Builder b{in, file.get()};
    const hsize_t n_rows = in.ConsumeIntegralInRange<hsize_t>(0, 12);
    const hsize_t n_cols = in.ConsumeIntegralInRange<hsize_t>(0, 12);
    b.axis("/0/META/ROW", n_rows);
    b.axis("/0/META/COL", n_cols);
    switch (in.ConsumeIntegralInRange<int>(0, 7)) {
      case 0: break;  // metadata only
      case 1: H5Gclose(H5Gcreate2(file.get(), "/0/DATA/0/matrix", Builder::make_lcpl().get(), H5P_DEFAULT, H5P_DEFAULT)); break;
      default: {
        std::vector<hsize_t> dims{b.dim(n_cols), b.dim(n_rows)};
        int rank = in.ConsumeIntegralInRange<int>(0, 15);
        if (rank == 0) dims.pop_back();
        if (rank == 1) dims.push_back(1);
        b.dataset("/0/DATA/0/matrix", b.kind(in.ConsumeBool() ? Kind::Float32 : Kind::Float64), dims);
      }
    }
  }
  kg::fuzz::expect_ok_or_error([&] { read_all(path, in); });
  return 0;
}
