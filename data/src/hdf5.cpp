// HDF5 datasets into tensors through the C API; HDF5's own error printing is off while we run
// and its innermost message goes into our Error instead.
#include "liandan/data/hdf5.hpp"

#include <hdf5.h>

#include <filesystem>
#include <utility>

namespace liandan::data {
namespace {

class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// An HDF5 identifier closed on scope exit.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

std::vector<std::string> root_names(hid_t file) {
  std::vector<std::string> names;
  H5Literate(
      file, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
        static_cast<std::vector<std::string>*>(out)->push_back(name);
        return 0;
      },
      &names);
  return names;
}

std::string describe(hid_t type) {
  const char* cls = "other";
  switch (H5Tget_class(type)) {
    case H5T_FLOAT:
      cls = "float";
      break;
    case H5T_INTEGER:
      cls = H5Tget_sign(type) == H5T_SGN_NONE ? "unsigned integer" : "integer";
      break;
    case H5T_STRING:
      cls = "string";
      break;
    case H5T_ENUM:
      cls = "enum";
      break;
    case H5T_COMPOUND:
      cls = "compound";
      break;
    default:
      break;
  }
  return fmt::format("{} of {} bytes", cls, H5Tget_size(type));
}

core::Tensor read_field(hid_t file, const std::string& path, const Hdf5Field& field) {
  const std::string& name = field.name;
  check(H5Lexists(file, name.c_str(), H5P_DEFAULT) > 0 &&
            H5Oexists_by_name(file, name.c_str(), H5P_DEFAULT) > 0,
        "read_hdf5: '{}': no dataset '{}' (the root holds: {})", path, name,
        fmt::join(root_names(file), ", "));
  Handle ds(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  check(ds.valid(), "read_hdf5: '{}': '{}' is not a dataset", path, name);
  Handle type(H5Dget_type(ds.get()), H5Tclose);
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  check(type.valid() && space.valid(), "read_hdf5: '{}': cannot read the header of '{}'", path,
        name);
  const H5T_class_t cls = H5Tget_class(type.get());
  const bool ok_type = is_floating(field.dtype) ? cls == H5T_FLOAT
                       : field.dtype == DType::i64
                           ? cls == H5T_INTEGER
                           : cls == H5T_INTEGER && H5Tget_size(type.get()) == 1;
  check(ok_type, "read_hdf5: '{}': dataset '{}' holds {}, expected {}", path, name,
        describe(type.get()), field.dtype);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  check(rank >= 0 && rank <= kMaxDims, "read_hdf5: '{}': dataset '{}' has {} dims (at most {})",
        path, name, rank, kMaxDims);
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  Shape shape;
  for (hsize_t d : dims) shape.push_back(static_cast<std::int64_t>(d));
  bool ok_shape = field.shape.empty() || field.shape.size() == shape.size();
  for (int d = 0; ok_shape && d < field.shape.size(); ++d)
    ok_shape = field.shape[d] == -1 || field.shape[d] == shape[d];
  check(ok_shape, "read_hdf5: '{}': dataset '{}' has shape {}, expected {} (-1: any size)", path,
        name, shape, field.shape);
  core::Tensor out = core::Tensor::empty(shape, field.dtype);
  if (out.numel() == 0) return out;
  hid_t memory = H5T_NATIVE_UINT8;
  if (field.dtype == DType::f32) memory = H5T_NATIVE_FLOAT;
  if (field.dtype == DType::f64) memory = H5T_NATIVE_DOUBLE;
  if (field.dtype == DType::i64) memory = H5T_NATIVE_INT64;
  check(H5Dread(ds.get(), memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.raw_data()) >= 0,
        "read_hdf5: '{}': cannot read dataset '{}' {} as {}", path, name, shape, field.dtype);
  if (field.dtype == DType::b8) {  // any nonzero byte is true
    bool* p = out.data<bool>();
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(p);
    for (std::int64_t i = 0; i < out.numel(); ++i) p[i] = bytes[i] != 0;
  }
  return out;
}

}  // namespace

core::NamedTensors read_hdf5(const std::string& path, const std::vector<Hdf5Field>& fields) {
  const QuietHdf5 quiet;
  std::error_code ec;
  check(std::filesystem::is_regular_file(path, ec), "read_hdf5: '{}': no such file", path);
  check(H5Fis_hdf5(path.c_str()) > 0, "read_hdf5: '{}': not an HDF5 file", path);
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  check(file.valid(), "read_hdf5: '{}': cannot open (truncated or corrupt?)", path);
  core::NamedTensors out;
  for (const Hdf5Field& field : fields) out.add(field.name, read_field(file.get(), path, field));
  return out;
}

std::shared_ptr<TensorDataset> hdf5_dataset(const std::string& path,
                                            const std::vector<Hdf5Field>& fields) {
  return std::make_shared<TensorDataset>(read_hdf5(path, fields), path);
}

}  // namespace liandan::data
