// IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed, and Fashion-MNIST as
// it ships in Debian's dataset-fashion-mnist.
//
// IDX: 2 zero bytes, a type byte (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64),
// the number of dims, each dim as a big-endian u32, then the elements, big-endian, row-major.
#pragma once

#include <string>

#include "liandan/data/dataset.hpp"

namespace liandan::data {

// Reads an IDX file (gzip or raw, told apart by zlib) into a tensor of the file's shape,
// converting every element to dtype and multiplying by scale (floating dtypes only). A
// missing file, a wrong magic, an unknown type, a truncated file or trailing bytes are an
// Error naming the path.
core::Tensor read_idx(const std::string& path, DType dtype = DType::f32, double scale = 1.0);

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct FashionMnistOptions {
  std::string dir = kFashionMnistDir;
  bool train = true;     // train-* (60000) or t10k-* (10000)
  bool flatten = false;  // images (784) instead of (1, 28, 28)
};

// Fields "image" f32 in [0, 1] (pixel / 255), (1, 28, 28) or (784), and "label" i64 in 0..9.
std::shared_ptr<TensorDataset> fashion_mnist(const FashionMnistOptions& options = {});

}  // namespace liandan::data
