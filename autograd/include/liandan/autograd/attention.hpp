// Differentiable softmax attention and RoPE. Dims: B batch, H heads, T queries, S keys, D head
// size. Masks and the causal rule: Note [Attention masks] in liandan/core/attention.hpp.
#pragma once

#include <cstdint>
#include <optional>

#include "liandan/autograd/tensor.hpp"
#include "liandan/core/tensor.hpp"

namespace liandan {

struct AttentionOptions {
  // bool (true = may attend) or floating (added to the scaled scores), broadcastable to
  // (B, H, T, S); undefined for none. A floating mask that requires grad gets its gradient.
  Tensor mask{};
  bool causal = false;            // query i sees keys j <= i + (S - T)
  std::optional<double> scale{};  // default 1 / sqrt(D)
};

// softmax(q k^T scale + mask) v: q (B, H, T, D), k (B, H, S, D), v (B, H, S, Dv) -> (B, H, T, Dv).
// Runs the fused flash kernel (core::flash_attention) and its fused backward; under
// create_graph the backward is composed of differentiable ops, so double backward works. A
// query that sees no key outputs 0 (PyTorch: NaN). See Note [Attention fast path].
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const AttentionOptions& options = {});
// The same attention composed of matmul, where and softmax: it forms the (T, S) scores. The test
// oracle of the fused path, and the path a mask that requires grad takes.
Tensor attention_reference(const Tensor& q, const Tensor& k, const Tensor& v,
                           const AttentionOptions& options = {});

// Bool masks (no gradient), as core::causal_mask, key_padding_mask and seq2seq_mask.
Tensor causal_mask(std::int64_t t, std::int64_t s);
Tensor key_padding_mask(const Tensor& lengths, std::int64_t s);     // (B) i64 -> (B, 1, 1, S)
Tensor seq2seq_mask(const Tensor& source_lengths, std::int64_t t);  // (B) i64 -> (B, 1, T, T)

// RoPE: x (..., T, D) rotated per position by the angles whose cos and sin (T, D / 2, x's dtype)
// are given; see core::rope. Its backward is the inverse rotation, the same op with -sin.
Tensor rope(const Tensor& x, const core::Tensor& cos, const core::Tensor& sin,
            bool inverse = false);

}  // namespace liandan
