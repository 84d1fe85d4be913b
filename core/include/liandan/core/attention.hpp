// Fused ("flash") scaled-dot-product attention, its backward and attention masks. Dims: B batch, H
// heads, T queries, S keys, D head size (q and k), Dv value size.
//
// Note [Attention masks]: a mask broadcasts to (B, H, T, S). A bool mask is true where a query
// may attend a key (PyTorch's convention for scaled_dot_product_attention); a floating mask
// (same dtype as q) is added to the scaled scores (-inf blocks). `causal` lets query i attend
// keys j <= i + (S - T): the queries are the LAST T positions of the S keys (bottom-right
// alignment, as flash-attn and a KV cache need; equal to PyTorch's is_causal when T == S). When
// T > S the first T - S queries see no key. A query that sees no key at all (every key masked)
// gets an output of 0, a logsumexp of -inf and zero gradients; PyTorch gives NaN there. Every
// attention in liandan reads a bool mask this way; linear attention (nn/linear_attention.hpp)
// takes key masks only, broadcastable to (B, H, 1, S).
#pragma once

#include <cstdint>
#include <optional>

#include "liandan/core/tensor.hpp"

namespace liandan::core {

struct AttentionOptions {
  Tensor mask{};        // bool or floating, broadcastable to (B, H, T, S); may be undefined
  bool causal = false;  // see Note [Attention masks]
  std::optional<double> scale{};  // default 1 / sqrt(D)
};

struct AttentionResult {
  Tensor out;  // (B, H, T, Dv)
  Tensor lse;  // (B, H, T): logsumexp of each row of scaled, masked scores (-inf: no key)
};

struct AttentionGrads {
  Tensor dq, dk, dv;
};

// q (B, H, T, D), k (B, H, S, D), v (B, H, S, Dv); f32 or f64; any strides. Never forms the
// (T, S) score matrix: key tiles stream through an online softmax per query tile. Inputs whose
// last dim is contiguous are read in place, and out is laid out like q: the head-split view of
// a (B, T, H * D) projection goes in and comes out without a copy (the gradients of the
// backward likewise take the layouts of q, k and v).
AttentionResult flash_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                const AttentionOptions& options = {});
// The backward of flash_attention given the upstream gradient dout (B, H, T, Dv), the forward's
// out and lse: recomputes the probabilities tile by tile.
AttentionGrads flash_attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k,
                                        const Tensor& v, const Tensor& out, const Tensor& lse,
                                        const AttentionOptions& options = {});

// The scale an options struct resolves to for head size d.
double attention_scale(const AttentionOptions& options, std::int64_t d);

// ---- masks (bool, true = may attend)
// (T, S): query i sees keys j <= i + (S - T).
Tensor causal_mask(std::int64_t t, std::int64_t s);
// lengths (B) i64 -> (B, 1, 1, S): key j is visible when j < lengths[b].
Tensor key_padding_mask(const Tensor& lengths, std::int64_t s);
// UniLM's seq2seq mask (Dong et al. 2019; bert4keras' compute_attention_bias for seq2seq):
// positions t < source_length form the source, seen bidirectionally by every position; the
// target positions after it see the source and the target causally. mask[i][j] = j < Ls or
// j <= i. source_lengths (B) i64 -> (B, 1, T, T).
Tensor seq2seq_mask(const Tensor& source_lengths, std::int64_t t);

}  // namespace liandan::core
