// nn::TransformerBlock: the pre-LN block every model here is made of,
//   x = x + attention(ln1(x));  x = x + mlp(ln2(x))
// with softmax attention (nn::MultiHeadAttention, optional RoPE-1D/2D, masks, KV cache) or
// causal/non-causal linear attention (nn::LinearAttention, recurrent state for generation).
#pragma once

#include <cstdint>
#include <optional>

#include "liandan/nn/attention.hpp"
#include "liandan/nn/linear_attention.hpp"
#include "liandan/nn/mlp.hpp"
#include "liandan/nn/normalization.hpp"
#include "liandan/nn/rope.hpp"

namespace liandan::nn {

enum class AttentionKind { softmax, linear };
std::string to_string(AttentionKind kind);

struct TransformerBlockOptions {
  AttentionKind attention = AttentionKind::softmax;
  bool causal = false;
  RopeKind rope = RopeKind::none;  // on q and k (linear attention: numerator only)
  double rope_base = 10000;
  std::int64_t rope_grid_width = 0;  // RoPE-2D: the patch grid's width
  std::int64_t mlp_ratio = 4;        // hidden = mlp_ratio * d_model, GELU
  double dropout = 0;                // after the MLP
  DType dtype = DType::f32;
};

// What a block keeps between incremental calls: the KV cache (softmax) or the recurrent
// state (linear attention).
struct BlockCache {
  KVCache kv;
  std::optional<LinearAttentionState> state;
};

class TransformerBlock : public Module {
 public:
  TransformerBlock(std::int64_t d_model, std::int64_t n_heads,
                   const TransformerBlockOptions& options = {});
  // x (B, T, C) -> (B, T, C).
  Tensor forward(const Tensor& x) override { return forward(x, Tensor()); }
  // mask: bool, true = may attend (Note [Attention masks] in liandan/core/attention.hpp), or
  // additive (softmax only), broadcastable to (B, H, T, T); linear attention takes key masks
  // only, broadcastable to (B, H, 1, T) such as key_padding_mask(lengths, T). Undefined: none.
  Tensor forward(const Tensor& x, const Tensor& mask);
  // Causal blocks only: x holds the T steps after those in cache; the cache is extended.
  Tensor forward(const Tensor& x, BlockCache& cache);
  std::string type_name() const override { return "TransformerBlock"; }

  LayerNorm ln1;
  std::optional<MultiHeadAttention> attn;      // softmax
  std::optional<LinearAttention> linear_attn;  // linear
  LayerNorm ln2;
  MLP mlp;

 private:
  TransformerBlockOptions options_;
  std::optional<RotaryEmbedding> rotary_;  // linear attention's RoPE hook
};

}  // namespace liandan::nn
