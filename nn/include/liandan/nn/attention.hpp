// nn::MultiHeadAttention: softmax attention with separate q/k/v/out projections (names
// q_proj, k_proj, v_proj, out_proj as PyTorch users write them), batch-first (B, T, C), self or
// cross attention, optional RoPE on q and k, and a KV cache for token-by-token generation.
// Dims: B batch, T queries, S keys, C = d_model, H heads, D = C / H.
#pragma once

#include <cstdint>
#include <optional>

#include "liandan/autograd/attention.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/nn/module.hpp"
#include "liandan/nn/rope.hpp"

namespace liandan::nn {

struct MultiHeadAttentionOptions {
  bool bias = true;                // of all four projections
  bool causal = false;             // default for calls that do not say
  RopeKind rope = RopeKind::none;  // RoPE on q and k after the head split
  double rope_base = 10000;
  std::int64_t rope_grid_width = 0;  // RoPE-2D: positions of a row-major grid of this width
  DType dtype = DType::f32;
};

// Per-call options.
struct AttentionCall {
  Tensor mask{};  // bool (true = may attend) or additive, broadcastable to (B, H, T, S)
  std::optional<bool> causal{};  // default: the module's option
  Tensor positions{};            // RoPE positions of the queries: (T), or (T, 2) for 2-D
  Tensor key_positions{};        // of the keys (cross attention); default: as the queries
};

// Keys and values of the steps so far, after RoPE: (B, H, S, D). Each forward with a cache
// appends its new keys and values; its queries sit at positions length() .. .
struct KVCache {
  Tensor k, v;
  std::int64_t length() const { return k.defined() ? k.size(2) : 0; }
  void clear() { k = Tensor(), v = Tensor(); }
};

class MultiHeadAttention : public Module {
 public:
  MultiHeadAttention(std::int64_t d_model, std::int64_t n_heads,
                     const MultiHeadAttentionOptions& options = {});
  // Self attention, x (B, T, C) -> (B, T, C).
  Tensor forward(const Tensor& x) override { return forward(x, AttentionCall{}); }
  Tensor forward(const Tensor& x, const AttentionCall& call);
  // Cross attention: queries from x (B, T, C), keys and values from kv (B, S, C).
  Tensor forward(const Tensor& x, const Tensor& kv, const AttentionCall& call = {});
  // Self attention over the cached steps and x's T new steps (positions cache.length() ..);
  // appends to the cache. Token by token with causal on, it equals the full causal forward.
  Tensor forward(const Tensor& x, KVCache& cache, const AttentionCall& call = {});
  std::string type_name() const override { return "MultiHeadAttention"; }
  std::string extra_repr() const override;

  Linear q_proj, k_proj, v_proj, out_proj;

 private:
  Tensor attend(const Tensor& x, const Tensor& kv, const AttentionCall& call, KVCache* cache);
  // (B, T, C) -> (B, H, T, D), a view.
  Tensor split_heads(const Tensor& x) const;

  std::int64_t d_model_, n_heads_;
  MultiHeadAttentionOptions options_;
  std::optional<RotaryEmbedding> rotary_;
};

}  // namespace liandan::nn
