// HDF5 files as named tensors: the dataset reader of data, and the file images that nn's
// checkpoints are made of. Every HDF5 call of liandan is in data/src/hdf5.cpp.
//
// Note [One HDF5 wrapper]: data reads outside HDF5 datasets and nn reads and writes checkpoints;
// both go through this one wrapper (quiet error stack, closed handles, type mapping, shape
// checks), which sits in data because data already reads HDF5 and nn may link data (core stays
// free of HDF5). What is a checkpoint (its checksum, the atomic rename, the layout's rules) is
// nn's: Note [Checkpoint integrity] in nn/include/liandan/nn/checkpoint.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "liandan/data/dataset.hpp"

namespace liandan::data {

// What to read: the dataset's path in the file ("images" or "group/images"), the dtype to read
// it as, and its expected shape with -1 for any size (an empty shape accepts any shape).
struct Hdf5Field {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;
};

// Reads the fields of path. Stored floats read as f32/f64, integers as i64 (or bool for 1-byte
// unsigned); a float read as an integer dtype or the reverse, a missing dataset or a shape
// mismatch is an Error naming the file and the dataset. Tensors are named by Hdf5Field::name.
core::NamedTensors read_hdf5(const std::string& path, const std::vector<Hdf5Field>& fields);

// read_hdf5 wrapped as a TensorDataset (the fields share their leading dim); named after path.
std::shared_ptr<TensorDataset> hdf5_dataset(const std::string& path,
                                            const std::vector<Hdf5Field>& fields);

// ---- whole files: every root dataset and the root's string attributes

using Hdf5Strings = std::map<std::string, std::string>;

struct Hdf5Contents {
  core::NamedTensors tensors;  // root datasets, in creation order when the file tracks it
  Hdf5Strings attributes;      // string attributes of the root group
};

// The bytes of an HDF5 file that holds tensors as root datasets in the given order (f32, f64,
// i64 as such, bool as uint8 0/1, the shape as the dataspace) and attributes as fixed-length
// UTF-8 string attributes of the root. The file is built in memory (HDF5's core driver), so
// HDF5 never writes to disk: every write, and its failure, is the caller's. The first
// user_block bytes (0, or a power of two >= 512) are zeros, left for the caller. Keys are
// non-empty, without '/'; errors start with `where`.
std::vector<std::byte> hdf5_image(const core::NamedTensors& tensors, const Hdf5Strings& attributes,
                                  std::size_t user_block, const std::string& where);

struct Hdf5ReadOptions {
  // Variable-length string attributes are read through HDF5's global heap, where a damaged
  // length crashes HDF5 1.10 (H5HG_read); files liandan writes never hold them.
  bool variable_length_strings = true;
  // Parse everything and read every byte of data, but keep nothing (tensors stay empty): a
  // probe that allocates no tensors (Note [Unverified checkpoints] in nn/src/checkpoint.cpp).
  bool probe = false;
};

// Every root dataset (floats of 8 bytes as f64, narrower as f32; 1-byte unsigned integers and
// h5py's bool enums as bool, other integers as i64) and every string attribute of the HDF5
// file at path. A dataset larger than the file could hold (a damaged shape) is an Error before
// any allocation; errors start with `where`.
Hdf5Contents read_hdf5_file(const std::string& path, const std::string& where,
                            const Hdf5ReadOptions& options = {});

}  // namespace liandan::data
