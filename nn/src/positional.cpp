// Learned and sinusoidal absolute position embeddings.
#include "liandan/nn/positional.hpp"

#include <cmath>
#include <vector>

#include "liandan/autograd/ops.hpp"
#include "liandan/nn/init.hpp"

namespace liandan::nn {

Tensor sinusoidal_embeddings(const Tensor& positions, std::int64_t dim, double base, DType dtype) {
  check(positions.defined() && positions.dim() == 1,
        "sinusoidal_embeddings: positions must be 1-D (T)");
  check(dim > 0 && dim % 2 == 0, "sinusoidal_embeddings: dim {} must be positive and even", dim);
  const std::vector<double> pos = positions.data().to_vector<double>();
  const std::int64_t T = static_cast<std::int64_t>(pos.size());
  std::vector<double> table(T * dim);
  for (std::int64_t i = 0; i < dim / 2; ++i) {
    const double w = std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(dim));
    for (std::int64_t t = 0; t < T; ++t) {
      table[t * dim + 2 * i] = std::sin(pos[t] * w);
      table[t * dim + 2 * i + 1] = std::cos(pos[t] * w);
    }
  }
  return Tensor(core::Tensor::from<double>(table, {T, dim}).to(dtype));
}

namespace {

void check_input(const char* op, const Tensor& x, std::int64_t dim) {
  check(x.dim() >= 2 && x.size(-1) == dim, "{}: input {} must be (..., T, {})", op, x.shape(), dim);
}

}  // namespace

LearnedPositionalEmbedding::LearnedPositionalEmbedding(std::int64_t max_len, std::int64_t dim,
                                                       const LearnedPositionalEmbeddingOptions& options) {
  check(max_len > 0 && dim > 0,
        "LearnedPositionalEmbedding: max_len {} and dim {} must be positive", max_len, dim);
  weight = zeros({max_len, dim}, {.dtype = options.dtype});
  init::normal_(weight, 0, 1);
  register_parameter("weight", weight);
}

Tensor LearnedPositionalEmbedding::forward(const Tensor& x, std::int64_t offset) {
  check_input("LearnedPositionalEmbedding", x, weight.size(1));
  const std::int64_t T = x.size(-2);
  check(offset >= 0 && offset + T <= weight.size(0),
        "LearnedPositionalEmbedding: positions {}..{} exceed max_len {}", offset, offset + T - 1,
        weight.size(0));
  return x + slice(weight, 0, offset, offset + T);
}

std::string LearnedPositionalEmbedding::extra_repr() const {
  return fmt::format("{}, {}", weight.size(0), weight.size(1));
}

SinusoidalPositionalEmbedding::SinusoidalPositionalEmbedding(std::int64_t dim, double base)
    : dim_(dim), base_(base) {
  check(dim > 0 && dim % 2 == 0, "SinusoidalPositionalEmbedding: dim {} must be positive and even",
        dim);
}

Tensor SinusoidalPositionalEmbedding::forward(const Tensor& x, std::int64_t offset) {
  check_input("SinusoidalPositionalEmbedding", x, dim_);
  const std::int64_t T = x.size(-2);
  const Tensor pos(core::Tensor::arange(offset, offset + T, 1, DType::i64));
  return x + sinusoidal_embeddings(pos, dim_, base_, x.dtype());
}

std::string SinusoidalPositionalEmbedding::extra_repr() const {
  return fmt::format("dim={}, base={}", dim_, base_);
}

}  // namespace liandan::nn
