// Checkpoints in HDF5 through the C API (layout: Note [Checkpoint layout] in checkpoint.hpp).
// Every HDF5 call is checked; HDF5's own printing of its error stack is off while we run and
// its innermost message goes into our Error instead.
#include "liandan/nn/checkpoint.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

namespace liandan::nn {
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

// Throws "<what>: <HDF5's reason>" unless ok.
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
  // Closes now; false when closing failed (for a file: its last writes failed).
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
         "checkpoint: cannot create file access properties");
  return fapl;
}

struct TypePair {
  hid_t file;    // stored type
  hid_t memory;  // our layout in memory
};

TypePair hdf5_type(DType dtype) {
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
  throw Error("checkpoint: corrupt dtype");
}

// A variable-length UTF-8 string type (what h5py reads back as str).
Handle utf8_string_type() {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  hcheck(type.valid() && H5Tset_size(type.get(), H5T_VARIABLE) >= 0 &&
             H5Tset_cset(type.get(), H5T_CSET_UTF8) >= 0,
         "checkpoint: cannot create the string type");
  return type;
}

// ---- save

void write_tensor(hid_t file, const std::string& where, const std::string& name,
                  const core::Tensor& tensor) {
  check(!name.empty() && name.find('/') == std::string::npos && name != ".",
        "{}: invalid key '{}': keys are non-empty and have no '/'", where, name);
  check(tensor.defined(), "{}: tensor '{}' is undefined", where, name);
  const core::Tensor data = tensor.contiguous();
  const TypePair type = hdf5_type(data.dtype());
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

void write_attribute(hid_t file, const std::string& where, const std::string& key,
                     const std::string& value) {
  check(!key.empty(), "{}: metadata keys must be non-empty", where);
  check(value.find('\0') == std::string::npos, "{}: metadata '{}' contains a NUL character", where,
        key);
  const Handle type = utf8_string_type();
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(file, key.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  hcheck(space.valid() && attr.valid(), fmt::format("{}: cannot create metadata '{}'", where, key));
  const char* p = value.c_str();
  hcheck(H5Awrite(attr.get(), type.get(), &p) >= 0,
         fmt::format("{}: cannot write metadata '{}'", where, key));
}

// Writes the whole file at tmp and closes it; throws on any failure.
void write_file(const std::string& tmp, const std::string& where, const core::NamedTensors& tensors,
                const Metadata& metadata) {
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  hcheck(fcpl.valid() && H5Pset_link_creation_order(
                             fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) >= 0,
         fmt::format("{}: cannot create file creation properties", where));
  const Handle fapl = strong_close_fapl();
  Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose);
  hcheck(file.valid(), fmt::format("{}: cannot create '{}'", where, tmp));
  for (const auto& [name, tensor] : tensors) write_tensor(file.get(), where, name, tensor);
  for (const auto& [key, value] : metadata) write_attribute(file.get(), where, key, value);
  hcheck(H5Fflush(file.get(), H5F_SCOPE_GLOBAL) >= 0, fmt::format("{}: cannot flush", where));
  hcheck(file.close(), fmt::format("{}: cannot close '{}'", where, tmp));
}

// fsync a file (or, best effort, a directory: some file systems refuse).
void sync_path(const std::string& path, bool directory, const std::string& where) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0 && directory) return;
  check(fd >= 0, "{}: cannot reopen '{}' to sync it: {}", where, path, std::strerror(errno));
  const int r = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  check(r == 0 || directory, "{}: fsync of '{}' failed: {}", where, path, std::strerror(err));
}

// ---- load

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

core::Tensor read_tensor(hid_t file, const std::string& where, const std::string& name) {
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
  const H5S_class_t kind = H5Sget_simple_extent_type(space.get());
  check(kind == H5S_SCALAR || kind == H5S_SIMPLE, "{}: '{}' has no dataspace (an empty dataset)",
        where, name);
  Shape shape;
  if (kind == H5S_SIMPLE) {
    const int rank = H5Sget_simple_extent_ndims(space.get());
    hcheck(rank >= 0, fmt::format("{}: cannot read the shape of '{}'", where, name));
    check(rank <= kMaxDims, "{}: '{}' has {} dims, more than the maximum {}", where, name, rank,
          kMaxDims);
    std::vector<hsize_t> dims(rank);
    hcheck(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) >= 0,
           fmt::format("{}: cannot read the shape of '{}'", where, name));
    for (hsize_t d : dims) shape.push_back(static_cast<std::int64_t>(d));
  }
  ReadType type = read_type(stored.get(), where, name);
  hcheck(type.memory.valid(), fmt::format("{}: cannot read the type of '{}'", where, name));
  core::Tensor data = core::Tensor::empty(shape, type.dtype);
  if (data.numel() == 0) return data;
  if (type.dtype == DType::b8) {  // read the bytes, store them as 0/1 (any nonzero is true)
    std::vector<std::uint8_t> bytes(data.numel());
    hcheck(H5Dread(ds, type.memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) >= 0,
           fmt::format("{}: cannot read '{}' {}", where, name, shape));
    bool* out = data.data<bool>();
    for (size_t i = 0; i < bytes.size(); ++i) out[i] = bytes[i] != 0;
  } else {
    hcheck(H5Dread(ds, type.memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.raw_data()) >= 0,
           fmt::format("{}: cannot read '{}' {}", where, name, shape));
  }
  return data;
}

std::string read_string_attribute(hid_t file, const std::string& where, const std::string& key) {
  Handle attr(H5Aopen(file, key.c_str(), H5P_DEFAULT), H5Aclose);
  hcheck(attr.valid(), fmt::format("{}: cannot open metadata '{}'", where, key));
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  hcheck(type.valid() && space.valid(), fmt::format("{}: cannot read metadata '{}'", where, key));
  check(H5Tget_class(type.get()) == H5T_STRING && H5Sget_simple_extent_npoints(space.get()) == 1,
        "{}: metadata '{}' is not a single string", where, key);
  std::string out;
  if (H5Tis_variable_str(type.get()) > 0) {
    char* p = nullptr;
    hcheck(H5Aread(attr.get(), type.get(), &p) >= 0,
           fmt::format("{}: cannot read metadata '{}'", where, key));
    out = p ? p : "";
    H5free_memory(p);
  } else {
    out.resize(H5Tget_size(type.get()));
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

void save(const std::string& path, const core::NamedTensors& tensors, const Metadata& metadata) {
  const QuietHdf5 quiet;
  const std::string where = fmt::format("save: '{}'", path);
  const std::string tmp = fmt::format("{}.tmp-{}", path, ::getpid());
  try {
    write_file(tmp, where, tensors, metadata);
    sync_path(tmp, false, where);
    check(std::rename(tmp.c_str(), path.c_str()) == 0, "{}: cannot rename '{}' to it: {}", where,
          tmp, std::strerror(errno));
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
  // Make the rename itself durable.
  const std::filesystem::path parent = std::filesystem::absolute(path).parent_path();
  sync_path(parent.string(), true, where);
}

Checkpoint load(const std::string& path) {
  const QuietHdf5 quiet;
  const std::string where = fmt::format("load: '{}'", path);
  std::error_code ec;
  check(std::filesystem::exists(path, ec), "{}: no such file", where);
  check(!std::filesystem::is_directory(path, ec), "{}: is a directory", where);
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  hcheck(is_hdf5 >= 0, fmt::format("{}: cannot open", where));
  check(is_hdf5 > 0, "{}: not an HDF5 file (no HDF5 signature; {} bytes)", where,
        std::filesystem::file_size(path, ec));
  const Handle fapl = strong_close_fapl();
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  hcheck(file.valid(), fmt::format("{}: cannot open (truncated or corrupt?)", where));
  Checkpoint out;
  for (const std::string& name : root_names(file.get(), where))
    out.tensors.add(name, read_tensor(file.get(), where, name));
  for (const std::string& key : attribute_names(file.get(), where))
    out.metadata[key] = read_string_attribute(file.get(), where, key);
  hcheck(file.close(), fmt::format("{}: cannot close", where));
  return out;
}

void save_module(const std::string& path, const Module& module, const Metadata& metadata) {
  save(path, module.state_dict(), metadata);
}

Metadata load_module(const std::string& path, Module& module, bool strict) {
  Checkpoint checkpoint = load(path);
  try {
    module.load_state_dict(checkpoint.tensors, strict);
  } catch (const Error& e) {
    throw Error(fmt::format("load_module: '{}': {}", path, e.what()));
  }
  return std::move(checkpoint.metadata);
}

}  // namespace liandan::nn
