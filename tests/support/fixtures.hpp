// Reads the PyTorch reference fixtures (HDF5 files written by tests/fixtures/make_fixtures.py)
// and compares tensors against them.
#pragma once

#include <doctest/doctest.h>
#include <hdf5.h>

#include <cmath>
#include <string>
#include <vector>

#include "liandan/core/tensor.hpp"

namespace liandan::test {

// One fixture file, tests/fixtures/<name>.h5: groups per case, datasets per tensor, scalar
// parameters as attributes of the case group.
class Fixture {
 public:
  explicit Fixture(const std::string& name) {
    const std::string path = std::string(LIANDAN_FIXTURE_DIR) + "/" + name + ".h5";
    file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file_ < 0)
      throw Error("fixture: cannot open " + path + " (run tests/fixtures/make_fixtures.py)");
  }
  ~Fixture() { H5Fclose(file_); }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  // The dataset at path ("case/x") as a tensor of its stored dtype (f32, f64, i64; uint8 -> bool).
  core::Tensor tensor(const std::string& path) const {
    const hid_t ds = H5Dopen2(file_, path.c_str(), H5P_DEFAULT);
    if (ds < 0) throw Error("fixture: no dataset " + path);
    const hid_t space = H5Dget_space(ds);
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> dims(rank);
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    Shape shape;
    for (hsize_t d : dims) shape.push_back(static_cast<std::int64_t>(d));
    const hid_t type = H5Dget_type(ds);
    const H5T_class_t cls = H5Tget_class(type);
    const size_t size = H5Tget_size(type);
    DType dtype = DType::f32;
    hid_t mem = H5T_NATIVE_FLOAT;
    if (cls == H5T_FLOAT && size == 8) dtype = DType::f64, mem = H5T_NATIVE_DOUBLE;
    if (cls == H5T_INTEGER && size == 8) dtype = DType::i64, mem = H5T_NATIVE_INT64;
    if (cls == H5T_INTEGER && size == 1) dtype = DType::b8, mem = H5T_NATIVE_UINT8;
    core::Tensor t = core::Tensor::empty(shape, dtype);
    if (t.numel() > 0) H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.raw_data());
    H5Tclose(type);
    H5Sclose(space);
    H5Dclose(ds);
    return t;
  }

  // Names of the top-level groups (the cases), in file order, skipping "inputs"; or, given a
  // group, the paths ("group/case") of the cases inside it.
  std::vector<std::string> cases(const std::string& group = "") const {
    std::vector<std::string> names;
    const hid_t g = group.empty() ? file_ : H5Gopen2(file_, group.c_str(), H5P_DEFAULT);
    if (g < 0) throw Error("fixture: no group " + group);
    H5Literate(
        g, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr,
        [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
          if (std::string(name) != "inputs")
            static_cast<std::vector<std::string>*>(out)->push_back(name);
          return 0;
        },
        &names);
    if (!group.empty()) {
      H5Gclose(g);
      for (std::string& n : names) n = group + "/" + n;
    }
    return names;
  }

  bool has(const std::string& group, const std::string& name) const {
    return H5Aexists_by_name(file_, group.c_str(), name.c_str(), H5P_DEFAULT) > 0 ||
           H5Lexists(file_, (group + "/" + name).c_str(), H5P_DEFAULT) > 0;
  }

  // An integer-list attribute (e.g. the dims of a reduction); a scalar reads as one element.
  std::vector<std::int64_t> ints(const std::string& group, const std::string& name) const {
    const hid_t a = open_attr(group, name);
    const hid_t space = H5Aget_space(a);
    std::vector<std::int64_t> v(H5Sget_simple_extent_npoints(space));
    if (!v.empty()) H5Aread(a, H5T_NATIVE_INT64, v.data());
    H5Sclose(space);
    H5Aclose(a);
    return v;
  }

  // A string attribute (e.g. the op a case tests).
  std::string text(const std::string& group, const std::string& name) const {
    const hid_t a = open_attr(group, name);
    const hid_t type = H5Aget_type(a);
    std::string out;
    if (H5Tis_variable_str(type) > 0) {
      char* p = nullptr;
      H5Aread(a, type, &p);
      out = p ? p : "";
      H5free_memory(p);
    } else {
      out.resize(H5Tget_size(type));
      H5Aread(a, type, out.data());
      out.resize(out.find('\0') == std::string::npos ? out.size() : out.find('\0'));
    }
    H5Tclose(type);
    H5Aclose(a);
    return out;
  }

  // A numeric attribute of a case group, e.g. attr("softplus", "beta").
  double attr(const std::string& group, const std::string& name) const {
    const hid_t a = open_attr(group, name);
    double v = 0;
    H5Aread(a, H5T_NATIVE_DOUBLE, &v);
    H5Aclose(a);
    return v;
  }

 private:
  hid_t open_attr(const std::string& group, const std::string& name) const {
    if (!has(group, name)) throw Error("fixture: no attribute " + name + " on " + group);
    return H5Aopen_by_name(file_, group.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  }

  hid_t file_;
};

// Checks shape, dtype and |a - e| <= atol + rtol |e| elementwise (NaNs must match); reports
// the worst element.
inline void expect_close(const core::Tensor& actual, const core::Tensor& expected,
                         double rtol = 1e-5, double atol = 1e-6) {
  REQUIRE_MESSAGE(actual.shape() == expected.shape(),
                  "shape " << actual.shape().str() << " vs expected " << expected.shape().str());
  CHECK_MESSAGE(actual.dtype() == expected.dtype(),
                "dtype " << name(actual.dtype()) << " vs expected " << name(expected.dtype()));
  const std::vector<double> a = actual.to_vector<double>(), e = expected.to_vector<double>();
  std::int64_t worst = -1, bad = 0;
  double worst_excess = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const bool both_nan = std::isnan(a[i]) && std::isnan(e[i]);
    const bool same_inf = std::isinf(e[i]) && a[i] == e[i];
    if (both_nan || same_inf) continue;
    const double excess = std::abs(a[i] - e[i]) - (atol + rtol * std::abs(e[i]));
    if (!(excess <= 0)) {
      ++bad;
      if (worst < 0 || !(excess <= worst_excess))
        worst = static_cast<std::int64_t>(i), worst_excess = excess;
    }
  }
  CHECK_MESSAGE(bad == 0, bad << " of " << a.size() << " elements differ; worst at flat index "
                              << worst << ": " << (worst >= 0 ? a[worst] : 0.0) << " vs expected "
                              << (worst >= 0 ? e[worst] : 0.0));
}

}  // namespace liandan::test
