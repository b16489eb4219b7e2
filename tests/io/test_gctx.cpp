// GCTX reader and writer: every real .gctx in shared/data/real (values read off with h5py),
// selective block reads, the round trip, and malformed files made by hand.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/error.hpp"
#include "io/gctx.hpp"

#include "support/kgtest.hpp"

namespace fs = std::filesystem;
using kg::GctxFile;

namespace {

using kgtest::expect_error;
using kgtest::real_dir;

std::string tmp(const std::string& name) { return ::testing::TempDir() + "gctx_" + name; }

// Reads one element through the selective reader.
float at(const GctxFile& f, int64_t col, int64_t row) { return f.read({row}, {col}).data.at(0); }

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = i;
  return v;
}

}  // namespace

// ---- the real files ----------------------------------------------------------------------

TEST(GctxReal, CmapPyHighPrecisionInt64AndFloat64Metadata) {
  KG_REAL_FILE(p, "cmapPy/test_l1000_highprecision.gctx");
  GctxFile f(p);
  ASSERT_TRUE(f.has_matrix());
  EXPECT_EQ(f.num_rows(), 978);
  EXPECT_EQ(f.num_cols(), 377);
  auto rows = f.rows();
  auto cols = f.cols();
  EXPECT_EQ(rows.ids.front(), "200814_at");
  EXPECT_EQ(rows.ids.back(), "203897_at");
  EXPECT_EQ(rows.fields.at("pr_gene_id").front(), "5720");  // int64
  EXPECT_EQ(rows.fields.at("pr_gene_id").back(), "57149");
  EXPECT_EQ(rows.fields.at("pr_gene_symbol").back(), "LYRM1");
  EXPECT_EQ(rows.fields.size(), 11u);  // 12 datasets, id excluded
  EXPECT_EQ(cols.fields.size(), 37u);  // 38 datasets, id excluded
  EXPECT_EQ(cols.ids.front(), "LJP005_A375_24H_X1_B19:A03");
  EXPECT_EQ(cols.fields.at("pert_time").front(), "24");
  EXPECT_EQ(cols.fields.at("qc_iqr")[0], "9.110431010795287");  // float64, full precision
  EXPECT_EQ(cols.fields.at("pert_iname").back(), "trametinib");
  EXPECT_EQ(cols.fields.at("pert_dose").front(), "-666");
  EXPECT_FLOAT_EQ(at(f, 0, 0), 0.3473286f);
  EXPECT_FLOAT_EQ(at(f, 376, 977), -0.62497133f);
  EXPECT_FLOAT_EQ(at(f, 188, 326), 1.4629285f);
  EXPECT_FLOAT_EQ(at(f, 1, 2), -0.054071367f);
}

TEST(GctxReal, MiniGctooFloat64MatrixNullpad) {
  KG_REAL_FILE(p, "cmapPy/mini_gctoo_for_testing.gctx");
  GctxFile f(p);
  EXPECT_EQ(f.num_rows(), 6);
  EXPECT_EQ(f.num_cols(), 6);
  auto cols = f.cols();
  EXPECT_EQ(cols.ids.front(), "LJP007_MCF10A_24H:TRT_CP:BRD-K93918653:3.33");
  EXPECT_EQ(cols.fields.at("distil_nsample").front(), "3");
  EXPECT_EQ(cols.fields.at("distil_ss").front(), "9.822065353");
  EXPECT_EQ(cols.fields.at("count_cv").front(), "14|15|14");
  EXPECT_EQ(cols.fields.at("mfc_plate_id").front(), "-666");
  auto m = f.read(iota(6), iota(6));
  EXPECT_EQ(m.row(0)[0], 1.0f);
  EXPECT_EQ(m.row(5)[5], -6.0f);
  EXPECT_EQ(m.row(3)[2], 0.0f);
  EXPECT_EQ(m.row(1)[2], 8.0f);
}

TEST(GctxReal, Int64RowIdsBecomeDecimalStrings) {
  KG_REAL_FILE(p, "cmapPy/test_parse_gctx_rid_entrez_id.gctx");
  GctxFile f(p);
  EXPECT_EQ(f.row_ids(), (std::vector<std::string>{"5720", "55847", "7416", "10174", "25803"}));
  EXPECT_EQ(f.col_ids().back(), "REP.A001_A375_24H_X1_B22:A07");
  const float want[5][5] = {{1431, 1270, 2831, 164, 214}, {938, 935, 2266, 118, 183},
                            {1069, 1036, 2593, 154, 196}, {1095, 966, 2349, 142, 195},
                            {1075, 1147, 2441, 226, 168}};
  auto m = f.read(iota(5), iota(5));
  ASSERT_EQ(m.rows, 5);
  ASSERT_EQ(m.cols, 5);
  for (int j = 0; j < 5; ++j)
    for (int i = 0; i < 5; ++i) EXPECT_EQ(m.row(j)[i], want[j][i]) << j << "," << i;
}

TEST(GctxReal, MetadataOnlyFile) {
  KG_REAL_FILE(p, "cmapPy/metadata_writer_test.gctx");
  GctxFile f(p);
  EXPECT_FALSE(f.has_matrix());
  EXPECT_EQ(f.num_cols(), 358);
  EXPECT_EQ(f.num_rows(), 358);
  auto cols = f.cols();
  EXPECT_EQ(cols.ids.back(), "LJP007_MCF7_24H:TRT_CP:BRD-K49328571:3.33");
  EXPECT_EQ(cols.fields.at("distil_ss")[1], "6.8915205");
  EXPECT_EQ(cols.fields.at("count_cv")[357], "13|14");
  expect_error([&] { f.read({0}, {0}); }, {"GCTX \"" + p + "\"", "/0/DATA/0/matrix", "metadata-only"});
}

TEST(GctxReal, MatlabSpacepadChunkedWithLatin1Micro) {
  KG_REAL_FILE(p, "cmapR/modzs_n272x978.gctx");
  GctxFile f(p);
  EXPECT_EQ(f.num_rows(), 978);
  EXPECT_EQ(f.num_cols(), 272);
  auto rows = f.rows();
  auto cols = f.cols();
  EXPECT_EQ(rows.fields.at("pr_gene_id").front(), "5720");  // a SPACEPAD string here
  EXPECT_EQ(rows.fields.at("pr_gene_id").back(), "874");
  EXPECT_EQ(rows.fields.at("is_lm").front(), "1");           // float32 1.0
  EXPECT_EQ(cols.fields.at("pert_idose").front(), "10 \xC2\xB5M");  // 0xB5 -> UTF-8 µ
  EXPECT_EQ(cols.fields.at("distil_cc_q75").front(), "0.18");      // float32, compact
  EXPECT_EQ(cols.fields.at("distil_nsample").front(), "4");
  EXPECT_EQ(cols.fields.at("distil_ss").front(), "2.65362");
  EXPECT_EQ(cols.fields.at("pert_iname").back(), "venlafaxine");
  EXPECT_EQ(cols.ids.back(), "CPD002_PC3_24H:BRD-A51714012-001-04-9:10");
  EXPECT_FLOAT_EQ(at(f, 0, 0), -0.52360797f);
  EXPECT_FLOAT_EQ(at(f, 271, 977), 0.17138433f);
  EXPECT_FLOAT_EQ(at(f, 136, 326), -8.99515f);
  EXPECT_FLOAT_EQ(at(f, 1, 2), 0.3281679f);
}

TEST(GctxReal, Float64MatrixNulltermStrings) {
  KG_REAL_FILE(p, "cmapR/modzs_n25x50.gctx");
  GctxFile f(p);
  EXPECT_EQ(f.num_rows(), 50);
  EXPECT_EQ(f.num_cols(), 25);
  auto cols = f.cols();
  EXPECT_EQ(cols.ids.front(), "CPC004_PC3_24H:BRD-A51714012-001-03-1:10");
  EXPECT_EQ(cols.fields.at("pert_idose").front(), "10 <b5>M");  // stored literally so
  EXPECT_EQ(cols.fields.at("distil_nsample").front(), "5");      // int32
  EXPECT_EQ(cols.fields.at("pct_self_rank_q25").front(), "26.904109954834");
  EXPECT_EQ(f.rows().fields.at("pr_gene_symbol").back(), "ALDOA");
  EXPECT_FLOAT_EQ(at(f, 0, 0), float(-1.145369052886963));
  EXPECT_FLOAT_EQ(at(f, 24, 49), float(-0.7602999210357666));
  EXPECT_FLOAT_EQ(at(f, 12, 16), float(0.162712961435318));
  EXPECT_FLOAT_EQ(at(f, 24, 0), float(-2.251300096511841));
}

TEST(GctxReal, CmapMSigStatMixedStringAndNumberFields) {
  KG_REAL_FILE(p, "cmapM/TestSigStat_modzs_gct_n3x978.gctx");
  GctxFile f(p);
  auto cols = f.cols();
  EXPECT_EQ(cols.ids.front(), "HEPG2:3:BRD-K34157611");
  EXPECT_EQ(cols.fields.at("distil_cc_max").front(), "-666.00");
  EXPECT_EQ(cols.fields.at("distil_cc_cutoff").front(), "0.5389451");
  EXPECT_EQ(cols.fields.at("islmark").front(), "0");
  EXPECT_EQ(cols.fields.at("pert_iname")[1], "picloram, technical grade");
  EXPECT_EQ(cols.fields.size(), 53u);
  EXPECT_EQ(f.rows().fields.at("pr_gene_id").front(), "5720");  // float32 5720
  EXPECT_EQ(f.row_ids().back(), "89476_r_at");
  EXPECT_FLOAT_EQ(at(f, 0, 0), 0.3894f);
  EXPECT_FLOAT_EQ(at(f, 2, 977), -0.8442f);
  EXPECT_FLOAT_EQ(at(f, 1, 326), 0.691035f);
}

TEST(GctxReal, ChunkedAlongGenesReadsAcrossChunks) {
  KG_REAL_FILE(p, "cmapM/contest_modzs_ezid_n10x10174.gctx");
  GctxFile f(p);
  EXPECT_EQ(f.num_rows(), 10174);
  EXPECT_EQ(f.num_cols(), 10);
  auto ids = f.row_ids();
  EXPECT_EQ(ids[999], "131578");
  EXPECT_EQ(ids[1000], "1316");
  auto m = f.read({999, 1000, 5000, 10173, 0}, {3});
  const float want[] = {-0.14721972f, 0.49691415f, 0.19570652f, -5.317751f, 0.26358584f};
  for (int r = 0; r < 5; ++r) EXPECT_FLOAT_EQ(m.row(0)[r], want[r]);
  EXPECT_FLOAT_EQ(at(f, 9, 10173), -0.24717718f);
}

TEST(GctxReal, ChunkedAlongSamplesReadsAcrossChunkBoundary) {
  KG_REAL_FILE(p, "cmapM/gctv13_01.gctx");
  GctxFile f(p);  // chunks of 268 samples
  EXPECT_EQ(f.num_cols(), 371);
  auto cols = f.cols();
  EXPECT_EQ(cols.fields.at("pert_desc")[5], "25067483");
  EXPECT_EQ(cols.fields.at("exp_pert_dose")[5], "10");
  EXPECT_EQ(cols.fields.at("qc_iqr")[0], "11.6");
  auto m = f.read({5, 977}, {267, 268, 370, 0});
  const float want[4][2] = {{9.1392f, 7.8142f}, {8.7782f, 7.6077f}, {8.7271f, 6.3253f}, {7.8661f, 6.4862f}};
  for (int j = 0; j < 4; ++j)
    for (int r = 0; r < 2; ++r) EXPECT_FLOAT_EQ(m.row(j)[r], want[j][r]) << j << "," << r;
}

TEST(GctxReal, CmapMSmallBuildsAndGeneIds) {
  KG_REAL_FILE(p3, "cmapM/test_build_level3_lm_n5x978.gctx");
  KG_REAL_FILE(p5, "cmapM/test_build_level5_s2n_lm_n5x978.gctx");
  KG_REAL_FILE(pg, "cmapM/gene_id_example_data_n25x978.gctx");
  GctxFile f3(p3), f5(p5), fg(pg);
  auto c3 = f3.cols();
  EXPECT_EQ(c3.fields.at("pert_dose")[2], "0.25");
  EXPECT_EQ(c3.fields.at("qc_iqr")[0], "53.47");
  EXPECT_EQ(f3.rows().fields.at("pr_is_lmark")[0], "Y");
  EXPECT_EQ(f3.row_ids().front(), "5720");
  EXPECT_FLOAT_EQ(at(f3, 0, 0), 14.425051f);
  EXPECT_FLOAT_EQ(at(f3, 4, 977), 9.5128f);
  EXPECT_EQ(f5.cols().fields.at("num_b")[4], "4");
  EXPECT_EQ(f5.col_ids()[0], "Trametinib_42MGBA_24h_0.25uM_vs_DMSO_42MGBA_24h");
  EXPECT_FLOAT_EQ(at(f5, 2, 326), -0.41607264f);
  EXPECT_TRUE(fg.rows().fields.empty());
  EXPECT_EQ(fg.row_ids()[1], "780");
  EXPECT_EQ(fg.col_ids()[24], "BSM_5202764005790181113004.G05");
  EXPECT_FLOAT_EQ(at(fg, 12, 326), 8.0464f);
}

// Every .gctx present opens; selective reads agree with reading the whole matrix.
TEST(GctxReal, EveryFileOpensAndSelectionsMatchFullRead) {
  if (!fs::exists(real_dir())) GTEST_SKIP() << "real data absent";
  int n = 0;
  std::mt19937 rng(7);
  for (const auto& e : fs::recursive_directory_iterator(real_dir())) {
    if (e.path().extension() != ".gctx") continue;
    ++n;
    SCOPED_TRACE(e.path().string());
    GctxFile f(e.path().string());
    EXPECT_EQ(int64_t(f.row_ids().size()), f.num_rows());
    EXPECT_EQ(int64_t(f.col_ids().size()), f.num_cols());
    if (!f.has_matrix()) continue;
    auto full = f.read(iota(f.num_rows()), iota(f.num_cols()));
    std::vector<int64_t> rows, cols;
    for (int k = 0; k < 40; ++k) rows.push_back(int64_t(rng() % uint64_t(f.num_rows())));
    for (int k = 0; k < 30; ++k) cols.push_back(int64_t(rng() % uint64_t(f.num_cols())));
    auto sel = f.read(rows, cols);
    for (size_t j = 0; j < cols.size(); ++j)
      for (size_t r = 0; r < rows.size(); ++r) ASSERT_EQ(sel.row(int64_t(j))[r], full.row(cols[j])[rows[r]]);
  }
  EXPECT_EQ(n, 12);
}

// ---- writer round trip and block reads -----------------------------------------------------

namespace {

// [cols, rows] values v(j, i) = j * 1000 + i, easy to check after any selection.
kg::GctxData make_data(int64_t nrows, int64_t ncols) {
  kg::GctxData d;
  for (int64_t i = 0; i < nrows; ++i) d.rows.ids.push_back("g" + std::to_string(i));
  for (int64_t j = 0; j < ncols; ++j) d.cols.ids.push_back("s" + std::to_string(j));
  d.values.rows = ncols;
  d.values.cols = nrows;
  d.values.data.resize(size_t(nrows * ncols));
  for (int64_t j = 0; j < ncols; ++j)
    for (int64_t i = 0; i < nrows; ++i) d.values.row(j)[i] = float(j * 1000 + i);
  return d;
}

bool has_leftovers(const std::string& dir, const std::string& stem) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(stem) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(GctxWrite, RoundTripSelectedRowsAndColumns) {
  auto d = make_data(7, 5);
  d.rows.fields["pr_gene_symbol"] = {"A", "B", "C", "D", "E", "F", "G"};
  d.cols.fields["pert_idose"] = {"10 \xC2\xB5M", "1 nM", "", "3.33 um", "x"};
  d.values.row(2)[3] = std::nanf("");
  const std::string p = tmp("roundtrip.gctx");
  kg::write_gctx(p, d);
  GctxFile f(p);
  EXPECT_EQ(f.num_rows(), 7);
  EXPECT_EQ(f.num_cols(), 5);
  auto rows = f.rows();
  auto cols = f.cols();
  EXPECT_EQ(rows.ids, d.rows.ids);
  EXPECT_EQ(cols.ids, d.cols.ids);
  EXPECT_EQ(rows.fields, d.rows.fields);
  EXPECT_EQ(cols.fields, d.cols.fields);
  auto m = f.read({6, 0, 3, 3}, {4, 2, 0});
  ASSERT_EQ(m.rows, 3);
  ASSERT_EQ(m.cols, 4);
  EXPECT_EQ(m.row(0)[0], 4006.0f);
  EXPECT_EQ(m.row(0)[1], 4000.0f);
  EXPECT_EQ(m.row(1)[0], 2006.0f);
  EXPECT_TRUE(std::isnan(m.row(1)[2]));
  EXPECT_TRUE(std::isnan(m.row(1)[3]));
  EXPECT_EQ(m.row(2)[2], 3.0f);
  // The cmapPy layout: version attribute, float32 matrix chunked by whole samples, NULLPAD.
  hid_t h = H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(h, 0);
  EXPECT_GT(H5Aexists(h, "version"), 0);
  hid_t ds = H5Dopen2(h, "/0/DATA/0/matrix", H5P_DEFAULT);
  hid_t t = H5Dget_type(ds), pl = H5Dget_create_plist(ds);
  EXPECT_GT(H5Tequal(t, H5T_IEEE_F32LE), 0);
  hsize_t chunk[2] = {0, 0};
  EXPECT_EQ(H5Pget_chunk(pl, 2, chunk), 2);
  EXPECT_EQ(chunk[0], 5u);
  EXPECT_EQ(chunk[1], 7u);
  hid_t ids = H5Dopen2(h, "/0/META/ROW/id", H5P_DEFAULT), it = H5Dget_type(ids);
  EXPECT_EQ(H5Tget_strpad(it), H5T_STR_NULLPAD);
  EXPECT_EQ(H5Tis_variable_str(it), 0);
  H5Tclose(it); H5Dclose(ids); H5Pclose(pl); H5Tclose(t); H5Dclose(ds); H5Fclose(h);
  EXPECT_FALSE(has_leftovers(::testing::TempDir(), ".gctx_roundtrip.gctx.tmp"));
}

// More samples than one block (1024) in a chunked file: unsorted, repeated requests.
TEST(GctxWrite, ManyBlocksUnsortedRepeatedSelection) {
  const std::string p = tmp("blocks.gctx");
  kg::write_gctx(p, make_data(9, 3000));
  GctxFile f(p);
  std::mt19937 rng(3);
  std::vector<int64_t> cols, rows = {8, 1, 1, 4};
  for (int k = 0; k < 2600; ++k) cols.push_back(int64_t(rng() % 3000));
  cols.push_back(2999);
  cols.push_back(0);
  auto m = f.read(rows, cols);
  ASSERT_EQ(m.rows, int64_t(cols.size()));
  for (size_t j = 0; j < cols.size(); ++j)
    for (size_t r = 0; r < rows.size(); ++r)
      ASSERT_EQ(m.row(int64_t(j))[r], float(cols[j] * 1000 + rows[r])) << j << "," << r;
  EXPECT_EQ(f.read({}, {1, 2}).data.size(), 0u);
  EXPECT_EQ(f.read({1}, {}).rows, 0);
}

// The block writer: uneven blocks give the same file contents as one write; a writer
// destroyed or committed before every sample is written leaves no file.
TEST(GctxWrite, BlockWriterMatchesOneWriteAndRefusesIncompleteFiles) {
  auto d = make_data(6, 700);
  const std::string one = tmp("one.gctx"), blocks = tmp("blocks_w.gctx");
  kg::write_gctx(one, d);
  {
    kg::GctxWriter w(blocks, d.rows, d.cols);
    for (int64_t s0 = 0, k = 1; s0 < 700; s0 += k, k = k * 3 + 1) {
      kg::h5::Matrix<float> b;
      b.cols = 6;
      b.rows = std::min<int64_t>(k, 700 - s0);
      b.data.assign(d.values.row(s0), d.values.row(s0) + b.rows * 6);
      w.write(b);
    }
    w.commit();
  }
  GctxFile a(one), b(blocks);
  EXPECT_EQ(a.read(iota(6), iota(700)).data, b.read(iota(6), iota(700)).data);
  EXPECT_EQ(b.cols().ids, d.cols.ids);

  const std::string partial = tmp("partial.gctx");
  {
    kg::GctxWriter w(partial, d.rows, d.cols);
    kg::h5::Matrix<float> half{std::vector<float>(size_t(350 * 6), 1.f), 350, 6};
    w.write(half);
    expect_error([&] { w.commit(); }, {partial, "350 of 700 samples"});
    w.write(half);
    expect_error([&] { w.write(half); }, {partial, "350 samples written after 700 of 700"});
  }  // destroyed uncommitted
  EXPECT_FALSE(fs::exists(partial));
  EXPECT_FALSE(has_leftovers(::testing::TempDir(), ".gctx_partial.gctx.tmp"));
}

TEST(GctxWrite, BadDataIsRejectedAndLeavesNoFile) {
  const std::string p = tmp("bad_write.gctx");
  auto d = make_data(4, 3);
  d.rows.ids.pop_back();
  expect_error([&] { kg::write_gctx(p, d); }, {"GCTX \"" + p + "\"", "3 row ids"});
  d = make_data(4, 3);
  d.cols.fields["cell_id"] = {"A375"};
  expect_error([&] { kg::write_gctx(p, d); }, {"\"cell_id\" has 1 values for 3 ids"});
  d = make_data(4, 3);
  d.rows.ids[2] = "g0";
  expect_error([&] { kg::write_gctx(p, d); }, {"duplicate row id \"g0\""});
  EXPECT_FALSE(fs::exists(p));
  EXPECT_FALSE(has_leftovers(::testing::TempDir(), ".gctx_bad_write.gctx.tmp"));
}

// ---- malformed files made by hand --------------------------------------------------------

namespace {

void put_strings(hid_t f, const char* name, int64_t n, const char* prefix) {
  std::vector<char> buf(size_t(n) * 8, '\0');
  for (int64_t i = 0; i < n; ++i) snprintf(buf.data() + i * 8, 8, "%s%d", prefix, int(i));
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, 8);
  hsize_t dims[1] = {hsize_t(n)};
  hid_t sp = H5Screate_simple(1, dims, nullptr), lc = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lc, 1);
  hid_t d = H5Dcreate2(f, name, t, sp, lc, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
  H5Dclose(d); H5Pclose(lc); H5Sclose(sp); H5Tclose(t);
}

// A GCTX with `nrows` row ids, `ncols` column ids and (when dims is given) a contiguous
// float64 matrix of those dims holding j * 1000 + i.
std::string raw_gctx(const std::string& name, int64_t nrows, int64_t ncols, std::vector<hsize_t> dims,
                     int64_t row_field_len = -1) {
  std::string p = tmp(name);
  hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  put_strings(f, "/0/META/ROW/id", nrows, "r");
  put_strings(f, "/0/META/COL/id", ncols, "c");
  if (row_field_len >= 0) put_strings(f, "/0/META/ROW/pr_gene_symbol", row_field_len, "G");
  if (!dims.empty()) {
    size_t total = 1;
    for (auto x : dims) total *= size_t(x);
    std::vector<double> v(total);
    if (dims.size() == 2)
      for (size_t j = 0; j < dims[0]; ++j)
        for (size_t i = 0; i < dims[1]; ++i) v[j * dims[1] + i] = double(j * 1000 + i);
    hid_t sp = H5Screate_simple(int(dims.size()), dims.data(), nullptr), lc = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lc, 1);
    hid_t d = H5Dcreate2(f, "/0/DATA/0/matrix", H5T_IEEE_F64LE, sp, lc, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Dclose(d); H5Pclose(lc); H5Sclose(sp);
  }
  H5Fclose(f);
  return p;
}

}  // namespace

TEST(GctxBad, ContiguousManyBlocksReadCorrectly) {
  auto p = raw_gctx("contig.gctx", 3, 2100, {2100, 3});
  GctxFile f(p);
  std::vector<int64_t> cols;
  for (int64_t j = 2099; j >= 0; j -= 2) cols.push_back(j);
  auto m = f.read({2, 0}, cols);
  for (size_t j = 0; j < cols.size(); ++j) {
    ASSERT_EQ(m.row(int64_t(j))[0], float(cols[j] * 1000 + 2));
    ASSERT_EQ(m.row(int64_t(j))[1], float(cols[j] * 1000));
  }
}

TEST(GctxBad, MatrixShapeMustMatchIds) {
  auto p = raw_gctx("shape.gctx", 7, 5, {7, 5});  // transposed
  expect_error([&] { GctxFile f(p); },
               {"GCTX \"" + p + "\"", "dataset \"/0/DATA/0/matrix\"",
                "shape (7, 5) does not match 7 row ids and 5 column ids"});
  auto p3 = raw_gctx("shape3d.gctx", 2, 2, {2, 2, 2});
  expect_error([&] { GctxFile f(p3); }, {"/0/DATA/0/matrix", "expected 2-D"});
}

TEST(GctxBad, MetadataFieldLengthMustMatchIds) {
  auto p = raw_gctx("field.gctx", 4, 2, {2, 4}, 3);
  expect_error([&] { GctxFile f(p); },
               {"dataset \"/0/META/ROW/pr_gene_symbol\"", "has 3 entries but there are 4 row ids"});
}

TEST(GctxBad, MissingIdsOrData) {
  std::string p = tmp("noids.gctx");
  hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  put_strings(f, "/0/META/COL/id", 3, "c");
  put_strings(f, "/0/META/ROW/pr_gene_symbol", 3, "c");
  H5Fclose(f);
  expect_error([&] { GctxFile g(p); }, {"GCTX \"" + p + "\"", "dataset \"/0/META/ROW/id\": missing"});
  auto nodata = raw_gctx("nodata.gctx", 3, 2, {});
  GctxFile g(nodata);
  EXPECT_FALSE(g.has_matrix());
  expect_error([&] { g.read({0}, {0}); }, {"GCTX \"" + nodata + "\"", "has no matrix"});
}

TEST(GctxBad, IndicesOutOfRange) {
  auto p = raw_gctx("range.gctx", 4, 3, {3, 4});
  GctxFile f(p);
  EXPECT_EQ(f.read({3}, {2}).data.at(0), 2003.0f);
  expect_error([&] { f.read({4}, {0}); }, {"GCTX \"" + p + "\"", "row index 4 out of range", "4 rows"});
  expect_error([&] { f.read({0}, {-1}); }, {"column index -1 out of range", "3 columns"});
  expect_error([&] { f.read({0}, {0, 3}); }, {"column index 3 out of range"});
}

// Found by fuzz/fuzz_gctx.cpp (tests/fuzz/gctx/huge-unwritten-ids): a chunked dataset of 2^40
// ids that was never written costs a few hundred bytes on disk; reading it must be refused,
// not attempted (it allocated 8 TB).
TEST(GctxBad, HugeUnwrittenDatasetIsRefusedBeforeAllocating) {
  auto p = raw_gctx("huge.gctx", 3, 2, {2, 3});
  hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  hsize_t dims[1] = {hsize_t(1) << 40}, chunk[1] = {64};
  hid_t sp = H5Screate_simple(1, dims, nullptr), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 1, chunk);
  hid_t d = H5Dcreate2(f, "/0/META/ROW/big", H5T_NATIVE_INT64, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Dclose(d); H5Pclose(dcpl); H5Sclose(sp);
  H5Fclose(f);
  // The length check names it first when opened; reading the column alone refuses it too.
  expect_error([&] { GctxFile g(p); }, {"/0/META/ROW/big", "has 1099511627776 entries but there are 3 row ids"});
  hid_t f2 = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  H5Ldelete(f2, "/0/META/ROW/id", H5P_DEFAULT);
  H5Lmove(f2, "/0/META/ROW/big", f2, "/0/META/ROW/id", H5P_DEFAULT, H5P_DEFAULT);
  H5Ldelete(f2, "/0/DATA", H5P_DEFAULT);
  H5Fclose(f2);
  GctxFile g(p);
  expect_error([&] { g.row_ids(); },
               {"dataset \"/0/META/ROW/id\"", "needs 8796093022208 bytes", "corrupt or never written"});
}

TEST(GctxBad, NotHdf5TruncatedOrMissing) {
  const std::string text = tmp("text.gctx");
  std::ofstream(text) << "#1.3\n1\t1\t0\t0\n";
  expect_error([&] { GctxFile f(text); }, {"GCTX \"" + text + "\"", "not an HDF5 file"});
  expect_error([&] { GctxFile f(tmp("absent.gctx")); }, {"no such file"});
  // The first 4 KB of a real file: the superblock is there, the rest is not.
  auto src = raw_gctx("whole.gctx", 50, 300, {300, 50});
  const std::string cut = tmp("truncated.gctx");
  {
    std::ifstream in(src, std::ios::binary);
    std::vector<char> head(4096);
    in.read(head.data(), head.size());
    std::ofstream(cut, std::ios::binary).write(head.data(), in.gcount());
  }
  expect_error([&] { GctxFile f(cut); }, {"GCTX \"" + cut + "\"", "truncated or corrupt"});
}
