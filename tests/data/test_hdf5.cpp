// HDF5 datasets into tensors: types, shape wildcards, errors naming the file and dataset.
#include <hdf5.h>

#include "util.hpp"

using namespace liandan;
using namespace liandan::data;
using namespace liandan::data::test;

namespace {

template <typename T>
void write_dataset(hid_t file, const char* name, hid_t type, const std::vector<hsize_t>& dims,
                   const std::vector<T>& values) {
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t ds = H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(ds >= 0);
  REQUIRE(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
  H5Dclose(ds);
  H5Sclose(space);
}

// "x" f32 (4, 3) = 0..11, "y" i32 (4) = 10..13, "z" f64 (4) = 0.5, "mask" u8 (4).
std::string make_file(const TempDir& dir) {
  const std::string path = dir.file("data.h5");
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(file >= 0);
  std::vector<float> x(12);
  for (int i = 0; i < 12; ++i) x[i] = static_cast<float>(i);
  write_dataset(file, "x", H5T_NATIVE_FLOAT, {4, 3}, x);
  write_dataset(file, "y", H5T_NATIVE_INT32, {4}, std::vector<std::int32_t>{10, 11, 12, 13});
  write_dataset(file, "z", H5T_NATIVE_DOUBLE, {4}, std::vector<double>(4, 0.5));
  write_dataset(file, "mask", H5T_NATIVE_UINT8, {4}, std::vector<std::uint8_t>{0, 1, 2, 0});
  H5Fclose(file);
  return path;
}

}  // namespace

TEST_CASE("data::read_hdf5: named datasets with dtype conversion and shape wildcards") {
  TempDir dir;
  const std::string path = make_file(dir);
  const core::NamedTensors t = read_hdf5(path, {{"x", DType::f32, {-1, 3}},
                                                {"y", DType::i64, {4}},
                                                {"z", DType::f32, {}},
                                                {"mask", DType::b8, {-1}}});
  CHECK(t.names() == std::vector<std::string>{"x", "y", "z", "mask"});
  CHECK(t["x"].shape() == Shape{4, 3});
  CHECK(t["x"].to_vector<float>()[11] == 11.0f);
  CHECK(t["y"].to_vector<std::int64_t>() == std::vector<std::int64_t>{10, 11, 12, 13});
  CHECK(t["z"].dtype() == DType::f32);
  CHECK(t["mask"].to_vector<bool>() == std::vector<bool>{false, true, true, false});
  auto ds = hdf5_dataset(path, {{"x", DType::f64, {-1, 3}}, {"y", DType::i64, {-1}}});
  CHECK(ds->size() == 4);
  CHECK(ds->name() == path);
  const Example e = ds->get(2);
  CHECK(e["x"].to_vector<double>() == std::vector<double>{6, 7, 8});
  CHECK(e["y"].item<std::int64_t>() == 12);
}

TEST_CASE("data::read_hdf5: missing file or dataset, wrong shape or dtype name the file") {
  TempDir dir;
  const std::string path = make_file(dir);
  const std::string missing = dir.file("missing.h5");
  CHECK(contains(error_of([&] {
                   read_hdf5(missing, {{"x", DType::f32, {}}});
                 }),
                 "'" + missing + "': no such file"));
  const std::string text = dir.file("text.h5");
  write_text(text, "not hdf5 at all");
  CHECK(contains(error_of([&] {
                   read_hdf5(text, {{"x", DType::f32, {}}});
                 }),
                 "'" + text + "': not an HDF5 file"));
  CHECK(contains(error_of([&] {
                   read_hdf5(path, {{"images", DType::f32, {}}});
                 }),
                 "'" + path + "': no dataset 'images' (the root holds: mask, x, y, z)"));
  CHECK(contains(error_of([&] {
                   read_hdf5(path, {{"group/images", DType::f32, {}}});
                 }),
                 "'" + path + "': no dataset 'group/images'"));
  CHECK(contains(error_of([&] {
                   read_hdf5(path, {{"x", DType::f32, {-1, 4}}});
                 }),
                 "'" + path + "': dataset 'x' has shape [4,3], expected [-1,4]"));
  CHECK(contains(error_of([&] {
                   read_hdf5(path, {{"x", DType::f32, {12}}});
                 }),
                 "dataset 'x' has shape [4,3], expected [12]"));
  CHECK(contains(error_of([&] {
                   read_hdf5(path, {{"x", DType::i64, {}}});
                 }),
                 "'" + path + "': dataset 'x' holds float of 4 bytes, expected i64"));
  CHECK(contains(error_of([&] {
                   read_hdf5(path, {{"y", DType::f32, {}}});
                 }),
                 "'" + path + "': dataset 'y' holds integer of 4 bytes, expected f32"));
  CHECK(contains(error_of([&] {
                   read_hdf5(path, {{"y", DType::b8, {}}});
                 }),
                 "dataset 'y' holds integer of 4 bytes, expected bool"));
}
