// Absolute position embeddings added to a (B, T, C) input: learned (GPT-2 style) and the fixed
// sinusoids of Vaswani et al. 2017. Rotary embeddings: liandan/nn/rope.hpp.
#pragma once

#include <cstdint>

#include "liandan/nn/module.hpp"

namespace liandan::nn {

// (T, dim) table for positions (T) of any numeric dtype: [sin(p w_0), cos(p w_0), sin(p w_1), ...]
// with w_i = base^(-2i / dim) (Vaswani's PE(p, 2i) = sin, PE(p, 2i+1) = cos; bert4keras'
// sinusoidal_embeddings). dim must be even.
Tensor sinusoidal_embeddings(const Tensor& positions, std::int64_t dim, double base = 10000,
                             DType dtype = DType::f32);

struct LearnedPositionalEmbeddingOptions {
  DType dtype = DType::f32;
};

// A learned table (max_len, dim) initialised N(0, 1) as nn.Embedding; forward adds rows
// offset .. offset + T - 1 to x (B, T, dim).
class LearnedPositionalEmbedding : public Module {
 public:
  LearnedPositionalEmbedding(std::int64_t max_len, std::int64_t dim,
                             const LearnedPositionalEmbeddingOptions& options = {});
  Tensor forward(const Tensor& x) override { return forward(x, 0); }
  Tensor forward(const Tensor& x, std::int64_t offset);
  std::string type_name() const override { return "LearnedPositionalEmbedding"; }
  std::string extra_repr() const override;

  Tensor weight;  // (max_len, dim)
};

// Fixed sinusoids (no parameters); forward adds the embeddings of positions offset .. to x.
class SinusoidalPositionalEmbedding : public Module {
 public:
  explicit SinusoidalPositionalEmbedding(std::int64_t dim, double base = 10000);
  Tensor forward(const Tensor& x) override { return forward(x, 0); }
  Tensor forward(const Tensor& x, std::int64_t offset);  // x (B, T, dim)
  std::string type_name() const override { return "SinusoidalPositionalEmbedding"; }
  std::string extra_repr() const override;

 private:
  std::int64_t dim_;
  double base_;
};

}  // namespace liandan::nn
