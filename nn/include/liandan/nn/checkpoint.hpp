// Checkpoints: named tensors and string metadata in one HDF5 file, written atomically.
//
// Note [Checkpoint layout]: one dataset per tensor at the root of the file, named by its
// dotted key ("blocks.0.fc1.weight"; a '.' is an ordinary character in an HDF5 name), in the
// order given (link creation order is tracked). dtypes: f32 -> IEEE f32, f64 -> IEEE f64,
// i64 -> 64-bit signed integer, bool -> uint8 (0/1); the shape is the dataspace (a 0-dim
// tensor is a scalar dataspace, empty tensors keep their zero dims). Metadata entries are
// variable-length UTF-8 string attributes of the root group. In Python:
//     with h5py.File("model.h5") as f:
//         w = torch.from_numpy(f["blocks.0.fc1.weight"][()])  # every key: list(f)
//         step = f.attrs["step"]
// scripts/torch_to_hdf5.py writes the same layout from a PyTorch state_dict. Reading also
// accepts other integer widths (as i64) and float widths (f16 and f32 as f32); 8-bit unsigned
// integers and h5py's bool enums read as bool.
#pragma once

#include <map>
#include <string>

#include "liandan/core/named_tensors.hpp"
#include "liandan/nn/module.hpp"

namespace liandan::nn {

using Metadata = std::map<std::string, std::string>;

struct Checkpoint {
  core::NamedTensors tensors;  // in file order
  Metadata metadata;
};

// Writes tensors (keys must be unique, non-empty, without '/') and metadata to path. The file
// is written to "<path>.tmp-<pid>", flushed and fsync'ed, then renamed over path: a failure
// at any point leaves the previous file at path untouched and removes the temporary file.
void save(const std::string& path, const core::NamedTensors& tensors,
          const Metadata& metadata = {});

// Reads a checkpoint; a missing, truncated or corrupt file is an Error naming the path (and
// the key that failed to read).
Checkpoint load(const std::string& path);

// save(path, module.state_dict(), metadata).
void save_module(const std::string& path, const Module& module, const Metadata& metadata = {});
// module.load_state_dict(load(path).tensors, strict), errors prefixed with the path; returns
// the file's metadata.
Metadata load_module(const std::string& path, Module& module, bool strict = true);

}  // namespace liandan::nn
