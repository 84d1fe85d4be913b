// The one HDF5 wrapper (Note [One HDF5 wrapper] in hdf5.hpp), through the C API. Every HDF5
// call is checked; HDF5's own printing of its error stack is off while we run and its innermost
// message goes into our Error instead.
#include "liandan/data/hdf5.hpp"

#include <hdf5.h>

#include <filesystem>
#include <utility>

namespace liandan::data {
namespace {

// Silences HDF5's automatic error printing for a scope (restoring whatever was set before).
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

// The innermost message on HDF5's error stack (where the failure was detected); clears it.
std::string hdf5_reason() {
  std::string reason;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &reason);
  H5Eclear2(H5E_DEFAULT);
  return reason.empty() ? "unknown HDF5 error" : reason;
}

// Throws "<what> (HDF5: <HDF5's reason>)" unless ok.
void hcheck(bool ok, const std::string& what) {
  if (!ok) [[unlikely]]
    throw Error(fmt::format("{} (HDF5: {})", what, hdf5_reason()));
}

// An HDF5 identifier closed on scope exit.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, -1)), close_(other.close_) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle& operator=(Handle&&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now; false when closing failed.
  bool close() {
    const herr_t r = id_ >= 0 ? close_(id_) : 0;
    id_ = -1;
    return r >= 0;
  }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// File access: closing the file closes whatever is still open in it.
Handle strong_close_fapl() {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  hcheck(fapl.valid() && H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG) >= 0,
         "hdf5: cannot create file access properties");
  return fapl;
}

// The shape of a dataset's dataspace (a scalar dataspace is 0-dim).
Shape dataspace_shape(hid_t space, const std::string& where, const std::string& name) {
  const H5S_class_t kind = H5Sget_simple_extent_type(space);
  check(kind == H5S_SCALAR || kind == H5S_SIMPLE, "{}: '{}' has no dataspace (an empty dataset)",
        where, name);
  Shape shape;
  if (kind == H5S_SCALAR) return shape;
  const int rank = H5Sget_simple_extent_ndims(space);
  hcheck(rank >= 0, fmt::format("{}: cannot read the shape of '{}'", where, name));
  check(rank <= kMaxDims, "{}: '{}' has {} dims, more than the maximum {}", where, name, rank,
        kMaxDims);
  std::vector<hsize_t> dims(rank);
  hcheck(H5Sget_simple_extent_dims(space, dims.data(), nullptr) >= 0,
         fmt::format("{}: cannot read the shape of '{}'", where, name));
  for (hsize_t d : dims) {
    check(d <= static_cast<hsize_t>(INT64_MAX), "{}: '{}' has a dimension of {}", where, name, d);
    shape.push_back(static_cast<std::int64_t>(d));
  }
  return shape;
}

// Bytes that a tensor of shape and dtype takes, checked against what the file can hold: a
// damaged dataspace must give an error, not an allocation of exabytes. Compressed chunks may
// expand, hence the generous factor.
void check_size(const Shape& shape, DType dtype, hsize_t file_size, const std::string& where,
                const std::string& name) {
  std::uint64_t bytes = element_size(dtype);
  bool overflow = false;
  for (int d = 0; d < shape.size(); ++d)
    overflow =
        overflow || __builtin_mul_overflow(bytes, static_cast<std::uint64_t>(shape[d]), &bytes);
  const std::uint64_t limit = std::uint64_t{1024} * file_size + (std::uint64_t{1} << 20);
  check(!overflow && bytes <= limit,
        "{}: '{}' {} {} claims more bytes than a file of {} bytes can hold (damaged?)", where, name,
        dtype, shape, file_size);
}

// Reads dataset ds into a new tensor of dtype read through the memory type `memory`; with
// probe, reads the bytes into a scratch buffer and returns an undefined tensor.
core::Tensor read_data(hid_t ds, hid_t memory, const Shape& shape, DType dtype, bool probe,
                       const std::string& what) {
  if (probe) {
    std::int64_t numel = 1;
    for (int d = 0; d < shape.size(); ++d) numel *= shape[d];
    std::vector<std::byte> scratch(static_cast<std::size_t>(numel) * H5Tget_size(memory));
    if (numel > 0)
      hcheck(H5Dread(ds, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, scratch.data()) >= 0, what);
    return {};
  }
  core::Tensor out = core::Tensor::empty(shape, dtype);
  if (out.numel() == 0) return out;
  if (dtype == DType::b8) {  // read the bytes, store them as 0/1 (any nonzero is true)
    std::vector<std::uint8_t> bytes(out.numel());
    hcheck(H5Dread(ds, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) >= 0, what);
    bool* p = out.data<bool>();
    for (std::size_t i = 0; i < bytes.size(); ++i) p[i] = bytes[i] != 0;
  } else {
    hcheck(H5Dread(ds, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.raw_data()) >= 0, what);
  }
  return out;
}

// ---- read_hdf5: named fields, each read as the dtype asked for

std::vector<std::string> root_names_by_name(hid_t file) {
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

core::Tensor read_field(hid_t file, hsize_t file_size, const std::string& path,
                        const Hdf5Field& field) {
  const std::string& name = field.name;
  const std::string where = fmt::format("read_hdf5: '{}'", path);
  check(H5Lexists(file, name.c_str(), H5P_DEFAULT) > 0 &&
            H5Oexists_by_name(file, name.c_str(), H5P_DEFAULT) > 0,
        "{}: no dataset '{}' (the root holds: {})", where, name,
        fmt::join(root_names_by_name(file), ", "));
  Handle ds(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  check(ds.valid(), "{}: '{}' is not a dataset", where, name);
  Handle type(H5Dget_type(ds.get()), H5Tclose);
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  check(type.valid() && space.valid(), "{}: cannot read the header of '{}'", where, name);
  const H5T_class_t cls = H5Tget_class(type.get());
  const bool ok_type = is_floating(field.dtype) ? cls == H5T_FLOAT
                       : field.dtype == DType::i64
                           ? cls == H5T_INTEGER
                           : cls == H5T_INTEGER && H5Tget_size(type.get()) == 1;
  check(ok_type, "{}: dataset '{}' holds {}, expected {}", where, name, describe(type.get()),
        field.dtype);
  const Shape shape = dataspace_shape(space.get(), where, name);
  bool ok_shape = field.shape.empty() || field.shape.size() == shape.size();
  for (int d = 0; ok_shape && d < field.shape.size(); ++d)
    ok_shape = field.shape[d] == -1 || field.shape[d] == shape[d];
  check(ok_shape, "{}: dataset '{}' has shape {}, expected {} (-1: any size)", where, name, shape,
        field.shape);
  check_size(shape, field.dtype, file_size, where, name);
  hid_t memory = H5T_NATIVE_UINT8;
  if (field.dtype == DType::f32) memory = H5T_NATIVE_FLOAT;
  if (field.dtype == DType::f64) memory = H5T_NATIVE_DOUBLE;
  if (field.dtype == DType::i64) memory = H5T_NATIVE_INT64;
  return read_data(
      ds.get(), memory, shape, field.dtype, false,
      fmt::format("{}: cannot read dataset '{}' {} as {}", where, name, shape, field.dtype));
}

// ---- whole files

struct TypePair {
  hid_t file;    // stored type
  hid_t memory;  // our layout in memory
};

TypePair stored_type(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return {H5T_IEEE_F32LE, H5T_NATIVE_FLOAT};
    case DType::f64:
      return {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE};
    case DType::i64:
      return {H5T_STD_I64LE, H5T_NATIVE_INT64};
    case DType::b8:
      return {H5T_STD_U8LE, H5T_NATIVE_UINT8};  // bool is one byte, 0 or 1
  }
  throw Error("hdf5: corrupt dtype");
}

void write_tensor(hid_t file, const std::string& where, const std::string& name,
                  const core::Tensor& tensor) {
  check(!name.empty() && name.find('/') == std::string::npos && name != ".",
        "{}: invalid key '{}': keys are non-empty and have no '/'", where, name);
  check(tensor.defined(), "{}: tensor '{}' is undefined", where, name);
  const core::Tensor data = tensor.contiguous();
  const TypePair type = stored_type(data.dtype());
  std::vector<hsize_t> dims(data.shape().begin(), data.shape().end());
  Handle space(
      data.dim() == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(data.dim(), dims.data(), nullptr),
      H5Sclose);
  hcheck(space.valid(),
         fmt::format("{}: cannot create the dataspace of '{}' {}", where, name, data.shape()));
  Handle ds(
      H5Dcreate2(file, name.c_str(), type.file, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      H5Dclose);
  hcheck(ds.valid(), fmt::format("{}: cannot create dataset '{}' (a duplicate key?)", where, name));
  if (data.numel() > 0)
    hcheck(H5Dwrite(ds.get(), type.memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.raw_data()) >= 0,
           fmt::format("{}: cannot write '{}' {} {}", where, name, data.dtype(), data.shape()));
  hcheck(ds.close(), fmt::format("{}: cannot close dataset '{}'", where, name));
}

// A fixed-length UTF-8 string attribute, NUL-padded (an empty value takes one NUL byte).
void write_attribute(hid_t file, const std::string& where, const std::string& key,
                     const std::string& value) {
  check(!key.empty(), "{}: metadata keys must be non-empty", where);
  check(value.find('\0') == std::string::npos, "{}: metadata '{}' contains a NUL character", where,
        key);
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  hcheck(type.valid() && H5Tset_size(type.get(), std::max<std::size_t>(value.size(), 1)) >= 0 &&
             H5Tset_strpad(type.get(), H5T_STR_NULLPAD) >= 0 &&
             H5Tset_cset(type.get(), H5T_CSET_UTF8) >= 0,
         fmt::format("{}: cannot create the string type of metadata '{}'", where, key));
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(file, key.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  hcheck(space.valid() && attr.valid(), fmt::format("{}: cannot create metadata '{}'", where, key));
  std::string padded = value;
  padded.resize(std::max<std::size_t>(value.size(), 1), '\0');
  hcheck(H5Awrite(attr.get(), type.get(), padded.data()) >= 0,
         fmt::format("{}: cannot write metadata '{}'", where, key));
}

// The dtype a stored type reads as, and the memory type that reads it.
struct ReadType {
  DType dtype;
  Handle memory;  // a copy of a native type (or of the stored enum)
};

ReadType read_type(hid_t stored, const std::string& where, const std::string& name) {
  const H5T_class_t cls = H5Tget_class(stored);
  const size_t size = H5Tget_size(stored);
  auto copy = [](hid_t t) { return Handle(H5Tcopy(t), H5Tclose); };
  if (cls == H5T_FLOAT && size == 8) return {DType::f64, copy(H5T_NATIVE_DOUBLE)};
  if (cls == H5T_FLOAT && size <= 4) return {DType::f32, copy(H5T_NATIVE_FLOAT)};
  if (cls == H5T_INTEGER && size == 1 && H5Tget_sign(stored) == H5T_SGN_NONE)
    return {DType::b8, copy(H5T_NATIVE_UINT8)};
  if (cls == H5T_INTEGER) return {DType::i64, copy(H5T_NATIVE_INT64)};
  if (cls == H5T_ENUM && size == 1)  // h5py's bool: read the raw 0/1 bytes as stored
    return {DType::b8, Handle(H5Tget_native_type(stored, H5T_DIR_ASCEND), H5Tclose)};
  throw Error(fmt::format("{}: '{}' has an unsupported element type (HDF5 class {}, {} bytes)",
                          where, name, static_cast<int>(cls), size));
}

core::Tensor read_tensor(hid_t file, hsize_t file_size, const std::string& where,
                         const std::string& name, bool probe) {
  Handle obj(H5Oopen(file, name.c_str(), H5P_DEFAULT), H5Oclose);
  hcheck(obj.valid(), fmt::format("{}: cannot open '{}'", where, name));
  check(H5Iget_type(obj.get()) == H5I_DATASET,
        "{}: '{}' is not a dataset (a liandan checkpoint holds one dataset per tensor at its "
        "root, named by the dotted key)",
        where, name);
  const hid_t ds = obj.get();
  Handle stored(H5Dget_type(ds), H5Tclose);
  Handle space(H5Dget_space(ds), H5Sclose);
  hcheck(stored.valid() && space.valid(),
         fmt::format("{}: cannot read the header of '{}'", where, name));
  const Shape shape = dataspace_shape(space.get(), where, name);
  ReadType type = read_type(stored.get(), where, name);
  hcheck(type.memory.valid(), fmt::format("{}: cannot read the type of '{}'", where, name));
  check_size(shape, type.dtype, file_size, where, name);
  return read_data(ds, type.memory.get(), shape, type.dtype, probe,
                   fmt::format("{}: cannot read '{}' {}", where, name, shape));
}

std::string read_string_attribute(hid_t file, const std::string& where, const std::string& key,
                                  const Hdf5ReadOptions& options) {
  Handle attr(H5Aopen(file, key.c_str(), H5P_DEFAULT), H5Aclose);
  hcheck(attr.valid(), fmt::format("{}: cannot open metadata '{}'", where, key));
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  hcheck(type.valid() && space.valid(), fmt::format("{}: cannot read metadata '{}'", where, key));
  check(H5Tget_class(type.get()) == H5T_STRING && H5Sget_simple_extent_npoints(space.get()) == 1,
        "{}: metadata '{}' is not a single string", where, key);
  std::string out;
  if (H5Tis_variable_str(type.get()) > 0) {
    check(options.variable_length_strings,
          "{}: metadata '{}' is a variable-length string; a checksummed liandan checkpoint "
          "holds fixed-length strings only (damaged or altered?)",
          where, key);
    char* p = nullptr;
    hcheck(H5Aread(attr.get(), type.get(), &p) >= 0,
           fmt::format("{}: cannot read metadata '{}'", where, key));
    out = p ? p : "";
    H5free_memory(p);
  } else {
    const std::size_t size = H5Tget_size(type.get());
    check(size > 0 && size <= (std::size_t{1} << 30), "{}: metadata '{}' has a size of {} bytes",
          where, key, size);
    out.resize(size);
    hcheck(H5Aread(attr.get(), type.get(), out.data()) >= 0,
           fmt::format("{}: cannot read metadata '{}'", where, key));
    out.resize(std::min(out.size(), out.find('\0')));
  }
  return out;
}

// Root link names, in creation order when the file tracks it (ours and h5py's track_order).
std::vector<std::string> root_names(hid_t file, const std::string& where) {
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->push_back(name);
    return 0;
  };
  std::vector<std::string> names;
  unsigned flags = 0;
  Handle root(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose);
  hcheck(root.valid(), fmt::format("{}: cannot open the root group", where));
  Handle gcpl(H5Gget_create_plist(root.get()), H5Pclose);
  hcheck(gcpl.valid() && H5Pget_link_creation_order(gcpl.get(), &flags) >= 0,
         fmt::format("{}: cannot read the root group's properties", where));
  if ((flags & H5P_CRT_ORDER_TRACKED) &&
      H5Literate(root.get(), H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect, &names) >= 0)
    return names;
  H5Eclear2(H5E_DEFAULT);
  names.clear();
  hcheck(H5Literate(root.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names) >= 0,
         fmt::format("{}: cannot list the datasets", where));
  return names;
}

std::vector<std::string> attribute_names(hid_t file, const std::string& where) {
  std::vector<std::string> names;
  hcheck(H5Aiterate2(
             file, H5_INDEX_NAME, H5_ITER_INC, nullptr,
             [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
               static_cast<std::vector<std::string>*>(out)->push_back(name);
               return 0;
             },
             &names) >= 0,
         fmt::format("{}: cannot list the metadata", where));
  return names;
}

}  // namespace

core::NamedTensors read_hdf5(const std::string& path, const std::vector<Hdf5Field>& fields) {
  const QuietHdf5 quiet;
  std::error_code ec;
  check(std::filesystem::is_regular_file(path, ec), "read_hdf5: '{}': no such file", path);
  check(H5Fis_hdf5(path.c_str()) > 0, "read_hdf5: '{}': not an HDF5 file", path);
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  check(file.valid(), "read_hdf5: '{}': cannot open (truncated or corrupt?)", path);
  hsize_t file_size = 0;
  hcheck(H5Fget_filesize(file.get(), &file_size) >= 0,
         fmt::format("read_hdf5: '{}': cannot read the file size", path));
  core::NamedTensors out;
  for (const Hdf5Field& field : fields)
    out.add(field.name, read_field(file.get(), file_size, path, field));
  return out;
}

std::shared_ptr<TensorDataset> hdf5_dataset(const std::string& path,
                                            const std::vector<Hdf5Field>& fields) {
  return std::make_shared<TensorDataset>(read_hdf5(path, fields), path);
}

std::vector<std::byte> hdf5_image(const core::NamedTensors& tensors, const Hdf5Strings& attributes,
                                  std::size_t user_block, const std::string& where) {
  const QuietHdf5 quiet;
  // The core driver grows its buffer by `increment` (a realloc each time): size it for the
  // whole file so a large checkpoint is not copied over and over.
  std::size_t estimate = user_block + (std::size_t{1} << 16);
  for (const auto& [name, t] : tensors)
    if (t.defined()) estimate += t.numel() * element_size(t.dtype()) + 1024;
  for (const auto& [key, value] : attributes) estimate += key.size() + value.size() + 256;
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  hcheck(fcpl.valid() &&
             H5Pset_link_creation_order(fcpl.get(),
                                        H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0 &&
             (user_block == 0 || H5Pset_userblock(fcpl.get(), user_block) >= 0),
         fmt::format("{}: cannot create file creation properties", where));
  const Handle fapl = strong_close_fapl();
  hcheck(H5Pset_fapl_core(fapl.get(), estimate, /*backing_store=*/false) >= 0,
         fmt::format("{}: cannot select HDF5's in-memory driver", where));
  // The name only identifies the in-memory file among open ones; nothing is created on disk.
  static int count = 0;
  const std::string name = fmt::format("liandan-image-{}", count++);
  Handle file(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose);
  hcheck(file.valid(), fmt::format("{}: cannot create the file in memory", where));
  for (const auto& [key, tensor] : tensors) write_tensor(file.get(), where, key, tensor);
  for (const auto& [key, value] : attributes) write_attribute(file.get(), where, key, value);
  hcheck(H5Fflush(file.get(), H5F_SCOPE_GLOBAL) >= 0, fmt::format("{}: cannot flush", where));
  // HDF5's image starts at the superblock: the user block (its size is in the superblock) is
  // ours to put in front.
  const ssize_t size = H5Fget_file_image(file.get(), nullptr, 0);
  hcheck(size > 0, fmt::format("{}: cannot size the file image", where));
  std::vector<std::byte> image(user_block + static_cast<std::size_t>(size));
  hcheck(H5Fget_file_image(file.get(), image.data() + user_block, static_cast<std::size_t>(size)) ==
             size,
         fmt::format("{}: cannot copy the file image", where));
  hcheck(file.close(), fmt::format("{}: cannot close the file in memory", where));
  return image;
}

Hdf5Contents read_hdf5_file(const std::string& path, const std::string& where,
                            const Hdf5ReadOptions& options) {
  const QuietHdf5 quiet;
  const Handle fapl = strong_close_fapl();
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  hcheck(file.valid(), fmt::format("{}: cannot open (truncated or corrupt?)", where));
  hsize_t file_size = 0;
  hcheck(H5Fget_filesize(file.get(), &file_size) >= 0,
         fmt::format("{}: cannot read the file size", where));
  Hdf5Contents out;
  for (const std::string& name : root_names(file.get(), where)) {
    core::Tensor t = read_tensor(file.get(), file_size, where, name, options.probe);
    if (!options.probe) out.tensors.add(name, std::move(t));
  }
  for (const std::string& key : attribute_names(file.get(), where))
    out.attributes[key] = read_string_attribute(file.get(), where, key, options);
  hcheck(file.close(), fmt::format("{}: cannot close", where));
  return out;
}

}  // namespace liandan::data
