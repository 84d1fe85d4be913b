// Rotary position embedding (RoPE, Su et al. arXiv 2104.09864): the rotation kernel and the
// angle tables of 1-D positions and of 2-D (row, column) positions.
#pragma once

#include <cstdint>

#include "liandan/core/tensor.hpp"

namespace liandan::core {

// x (..., T, D) with D even; cos, sin (T, D / 2) in x's dtype: pair p = (x[2p], x[2p+1]) at
// position t is rotated by the angle whose cos and sin are given (RoFormer's interleaved
// pairing): y[2p] = x[2p] c - x[2p+1] s, y[2p+1] = x[2p+1] c + x[2p] s. inverse rotates by minus
// the angle. Reads x through its strides; the result is a new contiguous tensor.
Tensor rope(const Tensor& x, const Tensor& cos, const Tensor& sin, bool inverse = false);
// Angles (T, D / 2) in f64 for 1-D positions (T) (any numeric dtype): pair p of position m gets
// m * base^(-2p / D).
Tensor rope_angles(const Tensor& positions, std::int64_t d, double base = 10000);
// RoPE-2D (kexue.fm/archives/8397): positions (T, 2) of (row, col); the first D / 2 features
// take the 1-D angles of the row over D / 2 features, the second half those of the column.
// D must be a multiple of 4.
Tensor rope_angles_2d(const Tensor& positions, std::int64_t d, double base = 10000);

// cos and sin of an angle table (computed in f64), in dtype: the operands of rope().
struct RopeTable {
  Tensor cos, sin;  // (T, D / 2)
};
RopeTable rope_table(const Tensor& angles, DType dtype);

}  // namespace liandan::core
