// Named datasets of an HDF5 file as tensors, each checked against the expected dtype and shape.
#pragma once

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

}  // namespace liandan::data
