// nn::Embedding: a lookup table of num_embeddings vectors of size embedding_dim, initialised
// N(0, 1) as torch.nn.Embedding (no padding_idx, max_norm or sparse gradients).
#pragma once

#include "liandan/nn/module.hpp"

namespace liandan::nn {

struct EmbeddingOptions {
  DType dtype = DType::f32;
};

class Embedding : public Module {
 public:
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, const EmbeddingOptions& options = {});
  // indices (...) i64 in [0, num_embeddings) -> (..., embedding_dim); repeated indices
  // accumulate their gradients.
  Tensor forward(const Tensor& indices) override;
  std::string type_name() const override { return "Embedding"; }
  std::string extra_repr() const override;

  Tensor weight;  // (num_embeddings, embedding_dim)
};

}  // namespace liandan::nn
