// nn::RotaryEmbedding: angle tables for 1-D or 2-D positions, applied with liandan::rope.
#include "liandan/nn/rope.hpp"

#include "liandan/autograd/attention.hpp"
#include "liandan/core/join.hpp"

namespace liandan::nn {

RotaryEmbedding::RotaryEmbedding(std::int64_t head_dim, const RotaryEmbeddingOptions& options)
    : head_dim_(head_dim), options_(options) {
  check(options.kind != RopeKind::none, "RotaryEmbedding: kind must be rope_1d or rope_2d");
  const std::int64_t multiple = options.kind == RopeKind::rope_2d ? 4 : 2;
  check(head_dim > 0 && head_dim % multiple == 0,
        "RotaryEmbedding: head_dim {} must be a positive multiple of {}", head_dim, multiple);
}

Tensor RotaryEmbedding::default_positions(std::int64_t t, std::int64_t offset) const {
  const core::Tensor steps = core::Tensor::arange(offset, offset + t, 1, DType::i64);
  if (options_.kind == RopeKind::rope_1d) return Tensor(steps);
  const std::int64_t w = options_.grid_width;
  check(w > 0, "RotaryEmbedding: 2-D positions need grid_width or explicit (T, 2) positions");
  std::vector<std::int64_t> rc(2 * t);
  for (std::int64_t i = 0; i < t; ++i)
    rc[2 * i] = (offset + i) / w, rc[2 * i + 1] = (offset + i) % w;
  return Tensor(core::Tensor::from<std::int64_t>(rc, {t, 2}));
}

core::RopeTable RotaryEmbedding::table(const Tensor& positions, DType dtype) const {
  const core::Tensor angles =
      options_.kind == RopeKind::rope_1d
          ? core::rope_angles(positions.data(), head_dim_, options_.base)
          : core::rope_angles_2d(positions.data(), head_dim_, options_.base);
  return core::rope_table(angles, dtype);
}

Tensor RotaryEmbedding::forward(const Tensor& x, std::int64_t offset) {
  check(x.dim() >= 2 && x.size(-1) == head_dim_, "RotaryEmbedding: input {} must be (..., T, {})",
        x.shape(), head_dim_);
  const std::int64_t t = x.size(-2);
  if (cached_.offset != offset || cached_.t != t || cached_.dtype != x.dtype())
    cached_ = {offset, t, x.dtype(), table(default_positions(t, offset), x.dtype())};
  return liandan::rope(x, cached_.table.cos, cached_.table.sin);
}

Tensor RotaryEmbedding::forward_at(const Tensor& x, const Tensor& positions) {
  check(x.dim() >= 2 && x.size(-1) == head_dim_, "RotaryEmbedding: input {} must be (..., T, {})",
        x.shape(), head_dim_);
  const core::RopeTable t = table(positions, x.dtype());
  return liandan::rope(x, t.cos, t.sin);
}

std::string RotaryEmbedding::extra_repr() const {
  return fmt::format("head_dim={}, kind={}, base={}", head_dim_,
                     options_.kind == RopeKind::rope_1d ? "1d" : "2d", options_.base);
}

}  // namespace liandan::nn
