// nn::Embedding: the embedding op on a learned table.
#include "liandan/nn/embedding.hpp"

#include "liandan/autograd/ops.hpp"
#include "liandan/nn/init.hpp"

namespace liandan::nn {

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim,
                     const EmbeddingOptions& options) {
  check(num_embeddings > 0 && embedding_dim > 0,
        "Embedding: num_embeddings {} and embedding_dim {} must be positive", num_embeddings,
        embedding_dim);
  weight = zeros({num_embeddings, embedding_dim}, {.dtype = options.dtype});
  init::normal_(weight, 0, 1);
  register_parameter("weight", weight);
}

Tensor Embedding::forward(const Tensor& indices) { return embedding(weight, indices); }

std::string Embedding::extra_repr() const {
  return fmt::format("{}, {}", weight.size(0), weight.size(1));
}

}  // namespace liandan::nn
