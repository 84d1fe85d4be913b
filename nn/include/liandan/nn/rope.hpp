// nn::RotaryEmbedding: RoPE (RoFormer, Su et al. 2021) applied to per-head queries or keys
// (..., T, D): 1-D with RoFormer's interleaved pairing, or 2-D for image patches (the first half
// of the head rotated by the patch's row, the second half by its column; kexue.fm/archives/8397).
// The rotation is the autograd op liandan::rope (fused kernel; backward = inverse rotation).
#pragma once

#include <cstdint>
#include <optional>

#include "liandan/core/rope.hpp"
#include "liandan/nn/module.hpp"

namespace liandan::nn {

enum class RopeKind { none, rope_1d, rope_2d };

struct RotaryEmbeddingOptions {
  RopeKind kind = RopeKind::rope_1d;
  double base = 10000;
  // 2-D only: positions default to a row-major grid of this width (t -> (t / w, t % w)).
  std::int64_t grid_width = 0;
};

class RotaryEmbedding : public Module {
 public:
  explicit RotaryEmbedding(std::int64_t head_dim, const RotaryEmbeddingOptions& options = {});
  // x (..., T, D) at positions offset .. offset + T - 1 (2-D: those grid cells).
  Tensor forward(const Tensor& x) override { return forward(x, 0); }
  Tensor forward(const Tensor& x, std::int64_t offset);
  // Explicit positions: (T) for 1-D, (T, 2) of (row, col) for 2-D; any numeric dtype.
  Tensor forward_at(const Tensor& x, const Tensor& positions);
  // The positions forward(x, offset) uses for T steps: i64 (T) or (T, 2).
  Tensor default_positions(std::int64_t t, std::int64_t offset) const;
  std::string type_name() const override { return "RotaryEmbedding"; }
  std::string extra_repr() const override;

 private:
  core::RopeTable table(const Tensor& positions, DType dtype) const;

  std::int64_t head_dim_;
  RotaryEmbeddingOptions options_;
  // The last default-position table, reused while (offset, T, dtype) repeat.
  struct Cached {
    std::int64_t offset = -1, t = -1;
    DType dtype = DType::f32;
    core::RopeTable table;
  };
  Cached cached_;
};

}  // namespace liandan::nn
