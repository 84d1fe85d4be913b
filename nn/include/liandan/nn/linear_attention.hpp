// Linear attention (Katharopoulos et al., "Transformers are RNNs", arXiv 2006.16236), as
// ALGORITHMS.md 6a: a positive feature map phi replaces softmax, so attention costs O(T D M):
//   non-causal  out_i = phi(q_i)^T (sum_j phi(k_j) v_j^T) / (phi(q_i) . sum_j phi(k_j) + eps)
//   causal      out_i = phi(q_i)^T (sum_{j<=i} phi(k_j) v_j^T) / (phi(q_i) . sum_{j<=i} phi(k_j) +
//   eps)
// The causal form runs on the chunked causal_dot_product; LinearAttentionState is the same
// computation one token at a time (the RNN form) for generation.
//
// Dims: B batch, H heads, T time (T_q, T_k when they differ), D key dim, M value dim, C model dim.
#pragma once

#include <cstdint>
#include <functional>

#include "liandan/autograd/tensor.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/nn/module.hpp"

namespace liandan::nn {

using FeatureMap = std::function<Tensor(const Tensor&)>;

// Feature maps phi, applied to q and k (no 1/sqrt(D) scaling in linear attention).
namespace feature_maps {
Tensor elu_plus_one(const Tensor& x);  // elu(x) + 1 > 0: the paper's default
Tensor relu(const Tensor& x);          // may give a zero denominator; eps keeps it finite
Tensor identity(const Tensor& x);      // signed features: the denominator may vanish or flip
}  // namespace feature_maps

// Note [Linear attention RoPE hook]: RoFormer (arXiv 2104.09864, Sec. 3.3) rotates phi(q) and
// phi(k) in the NUMERATOR only and keeps the denominator unrotated (rotation could make it
// non-positive). `rotary(x, start)` gets phi(q) or phi(k) of shape (..., T, D) whose row t sits
// at position start + t, and returns it rotated; RoPE itself lives elsewhere (nn/rope). Without
// the hook the numerator and denominator come out of one causal_dot_product of phi(q), phi(k)
// and [v, 1] (the ones column gives the denominator); with it, they take two.
using RotaryHook = std::function<Tensor(const Tensor& x, std::int64_t start)>;

struct LinearAttentionOptions {
  bool causal = false;
  FeatureMap feature_map = feature_maps::elu_plus_one;
  double eps = 1e-6;  // added to the denominator before dividing
  // Bool, true = may attend (Note [Attention masks] in liandan/core/attention.hpp), a key mask
  // broadcastable to (B, H, 1, T_k) such as key_padding_mask(lengths, T_k): a key's phi(k) row
  // is zeroed where it is false. Linear attention has no per-query mask. Undefined: none.
  Tensor mask = {};
  RotaryHook rotary = {};   // Note [Linear attention RoPE hook]; undefined = none
  std::int64_t chunk = 64;  // causal_dot_product chunk (speed only)
};

namespace functional {
// q (B, H, T_q, D), k (B, H, T_k, D), v (B, H, T_k, M) -> (B, H, T_q, M). Causal needs T_q == T_k.
Tensor linear_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                        const LinearAttentionOptions& options = {});
}  // namespace functional

// The RNN form: S = sum phi(k_j) v_j^T (B, H, D, M) and z = sum phi(k_j) (B, H, D) over the
// tokens seen so far; step() adds one token and returns its output, in O(D M) per token. Its
// outputs equal the causal parallel form. Differentiable (built from autograd ops).
class LinearAttentionState {
 public:
  explicit LinearAttentionState(const LinearAttentionOptions& options = {});
  // q_t, k_t (B, H, D), v_t (B, H, M) -> (B, H, M). The first step fixes B, H, D, M.
  Tensor step(const Tensor& q_t, const Tensor& k_t, const Tensor& v_t);
  std::int64_t position() const { return position_; }  // tokens seen
  const Tensor& S() const { return S_; }
  const Tensor& z() const { return z_; }

 private:
  LinearAttentionOptions options_;
  Tensor S_, z_;
  std::int64_t position_ = 0;
};

// Multi-head linear attention with q/k/v/out projections, batch first: (B, T, C) -> (B, T, C),
// head dim C / n_heads for keys and values. Parameters q_proj, k_proj, v_proj, out_proj
// (nn::Linear with bias). Residual connection and normalisation are left to the caller.
struct LinearAttentionModuleOptions {
  bool causal = false;
  FeatureMap feature_map = feature_maps::elu_plus_one;
  double eps = 1e-6;
  RotaryHook rotary = {};  // Note [Linear attention RoPE hook]
  bool bias = true;
  DType dtype = DType::f32;
};

class LinearAttention : public Module {
 public:
  LinearAttention(std::int64_t d_model, std::int64_t n_heads,
                  const LinearAttentionModuleOptions& options = {});
  Tensor forward(const Tensor& x) override;  // (B, T, C) -> (B, T, C)
  // mask: a bool key mask, true = may attend, broadcastable to (B, H, 1, T) (see
  // LinearAttentionOptions::mask); undefined for none.
  Tensor forward(const Tensor& x, const Tensor& mask);
  // Generation: a fresh state, then one token x_t (B, C) -> (B, C) per call (causal only).
  LinearAttentionState initial_state() const;
  Tensor step(LinearAttentionState& state, const Tensor& x_t);
  std::string type_name() const override { return "LinearAttention"; }
  std::string extra_repr() const override;

  Linear q_proj, k_proj, v_proj, out_proj;

 private:
  LinearAttentionOptions attention_options(const Tensor& mask) const;
  std::int64_t d_model_, n_heads_;
  LinearAttentionModuleOptions options_;
};

}  // namespace liandan::nn
