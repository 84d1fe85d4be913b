// GAU (gated attention unit) and FLASH (GAU with mixed-chunk attention), Hua et al.,
// "Transformer Quality in Linear Time", arXiv 2202.10447; ALGORITHMS.md 6b.
//   U = silu(X W_u), V = silu(X W_v)  (B, T, e), e = expansion * d
//   Z = silu(X W_z)                   (B, T, s), shared by queries and keys
//   Q_r = Z * gamma_r + beta_r        per-dim offset-scales of Z (gamma ~ N(0, 0.02^2), beta = 0)
//   O = (U * (A V)) W_o               (B, T, d)
// GAU: A = relu^2(Q K^T / sqrt(s)) / n (Note [GAU scaling]). FLASH: A V is replaced by a
// quadratic part within chunks of c tokens plus a linear part across chunks.
// Both return O only: the residual X + O and the (pre-)norm are left to the caller, like
// every other attention layer here. Positions: see the rotary hooks.
//
// Dims: B batch, T time, d model dim, e expanded dim, s shared query/key dim, c chunk, G chunks.
#pragma once

#include <cstdint>

#include "liandan/nn/linear.hpp"
#include "liandan/nn/linear_attention.hpp"
#include "liandan/nn/module.hpp"

namespace liandan::nn {

// Note [GAU scaling]: the paper's code uses relu^2((Q K^T + bias) / n), an overall 1/n^2 that
// shrinks attention with length; we use Su's (bert4keras) relu^2(Q K^T / sqrt(s)) / n: the
// 1/sqrt(s) keeps the logits O(1) whatever s (as in softmax attention) and the 1/n keeps
// sum_j A_ij O(1) whatever n. Causal: A's upper triangle is zeroed and row i is divided by
// the number of keys it sees, i + 1, not by n (bert4keras; FLASH-pytorch does the same):
// dividing by n would make position i depend on how many FUTURE tokens are in the batch, so
// a model trained on length n would not match itself when generating. normalize = false
// drops the 1/n (or 1/(i+1)) altogether.
struct GAUOptions {
  double expansion = 2.0;     // e = round(expansion * d)
  std::int64_t qk_dim = 128;  // s
  bool causal = false;
  bool normalize = true;  // Note [GAU scaling]
  // Applied to Q and K (B, T, s), start 0, e.g. RoPE (the paper uses it); undefined = none.
  RotaryHook rotary = {};
  bool bias = true;  // of the four projections
  DType dtype = DType::f32;
};

class GAU : public Module {
 public:
  GAU(std::int64_t d_model, const GAUOptions& options = {});
  Tensor forward(const Tensor& x) override;  // (B, T, d) -> (B, T, d)
  std::string type_name() const override { return "GAU"; }
  std::string extra_repr() const override;

  Linear u_proj, v_proj, z_proj, out_proj;  // d -> e, d -> e, d -> s, e -> d
  Tensor gamma, beta;                       // (2, s): row 0 for Q, row 1 for K

 private:
  GAUOptions options_;
};

// FLASH (paper Sec. 3.2), chunks of c tokens (T is zero-padded up to G c; padded keys and
// values are zero, so they contribute nothing), four offset-scales of Z: Q_quad, K_quad,
// Q_lin, K_lin (rows 0..3 of gamma, beta).
//   local  (within chunk g):  relu^2(Q_quad_g K_quad_g^T / c) V_g       (causal: lower triangle)
//   global non-causal:        Q_lin_g (sum_h K_lin_h^T V_h) / n           (n = T, unpadded)
//   global causal:            Q_lin_g (sum_{h < g} K_lin_h^T V_h) / c     (chunks strictly before)
//   O = (U * (local + global)) W_o
// Scalings follow the paper's pseudo-code and FLASH-pytorch (/c and /n; Su remarks that the
// causal normaliser should rather be the number of preceding tokens; we keep the paper's).
struct FLASHOptions {
  double expansion = 2.0;
  std::int64_t qk_dim = 128;  // s
  std::int64_t chunk = 256;   // c
  bool causal = false;
  // Applied to all four of Q_quad, K_quad, Q_lin, K_lin (B, T, s), start 0; undefined = none.
  RotaryHook rotary = {};
  bool bias = true;
  DType dtype = DType::f32;
};

class FLASH : public Module {
 public:
  FLASH(std::int64_t d_model, const FLASHOptions& options = {});
  Tensor forward(const Tensor& x) override;  // (B, T, d) -> (B, T, d)
  std::string type_name() const override { return "FLASH"; }
  std::string extra_repr() const override;

  Linear u_proj, v_proj, z_proj, out_proj;
  Tensor gamma, beta;  // (4, s): Q_quad, K_quad, Q_lin, K_lin

 private:
  FLASHOptions options_;
};

}  // namespace liandan::nn
