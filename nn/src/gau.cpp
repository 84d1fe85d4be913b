// GAU and FLASH (gau.hpp).
#include "liandan/nn/gau.hpp"

#include <cmath>

#include "liandan/autograd/ops.hpp"
#include "liandan/nn/init.hpp"

namespace liandan::nn {
namespace {

std::int64_t expanded_dim(std::int64_t d, double expansion, const char* op) {
  const auto e = static_cast<std::int64_t>(std::llround(expansion * static_cast<double>(d)));
  check(d > 0 && e > 0, "{}: d_model {} and expansion {} must give positive sizes", op, d,
        expansion);
  return e;
}

// gamma ~ N(0, 0.02^2), beta = 0 (the paper's pseudo-code and FLASH-pytorch's OffsetScale).
void init_offset_scale(Tensor& gamma, Tensor& beta, std::int64_t count, std::int64_t s,
                       DType dtype) {
  gamma = zeros({count, s}, {.dtype = dtype});
  init::normal_(gamma, 0, 0.02);
  beta = zeros({count, s}, {.dtype = dtype});
}

// Z * gamma_r + beta_r: Z (B, T, s), gamma and beta (count, s).
Tensor offset_scale(const Tensor& z, const Tensor& gamma, const Tensor& beta, std::int64_t r) {
  return z * select(gamma, 0, r) + select(beta, 0, r);
}

void check_input(const Tensor& x, std::int64_t d, const char* op) {
  check(x.dim() == 3 && x.size(2) == d, "{}: expected input (B, T, {}), got {}", op, d, x.shape());
}

// Zero rows appended along dim 1 up to `rows`: (B, T, w) -> (B, rows, w).
Tensor pad_time(const Tensor& t, std::int64_t rows) {
  const std::int64_t T = t.size(1);
  if (rows == T) return t;
  return cat({t, zeros({t.size(0), rows - T, t.size(2)}, {.dtype = t.dtype()})}, 1);
}

}  // namespace

// ---- GAU

GAU::GAU(std::int64_t d_model, const GAUOptions& options)
    : u_proj(d_model, expanded_dim(d_model, options.expansion, "GAU"),
             {.bias = options.bias, .dtype = options.dtype}),
      v_proj(d_model, expanded_dim(d_model, options.expansion, "GAU"),
             {.bias = options.bias, .dtype = options.dtype}),
      z_proj(d_model, options.qk_dim, {.bias = options.bias, .dtype = options.dtype}),
      out_proj(expanded_dim(d_model, options.expansion, "GAU"), d_model,
               {.bias = options.bias, .dtype = options.dtype}),
      options_(std::move(options)) {
  init_offset_scale(gamma, beta, 2, options_.qk_dim, options_.dtype);
  register_parameter("gamma", gamma);
  register_parameter("beta", beta);
  register_modules(
      {{"u_proj", u_proj}, {"v_proj", v_proj}, {"z_proj", z_proj}, {"out_proj", out_proj}});
}

Tensor GAU::forward(const Tensor& x) {
  return call([&] {
    check_input(x, u_proj.weight.size(1), "GAU");
    const std::int64_t T = x.size(1);
    const double s = static_cast<double>(options_.qk_dim);
    const Tensor u = silu(u_proj(x)), v = silu(v_proj(x));  // (B, T, e)
    const Tensor z = silu(z_proj(x));                       // (B, T, s)
    Tensor q = offset_scale(z, gamma, beta, 0), k = offset_scale(z, gamma, beta, 1);
    if (options_.rotary) q = options_.rotary(q, 0), k = options_.rotary(k, 0);
    const Tensor scores = relu(matmul(q, transpose(k, 1, 2)) / std::sqrt(s));  // (B, T, T)
    Tensor a = scores * scores;
    if (options_.causal) a = tril(a);
    if (options_.normalize) {  // Note [GAU scaling]
      a = options_.causal ? a / reshape(arange(1, T + 1, 1, {.dtype = x.dtype()}), {T, 1})
                          : a / static_cast<double>(T);
    }
    return out_proj(u * matmul(a, v));  // (B, T, d)
  });
}

std::string GAU::extra_repr() const {
  return fmt::format("d_model={}, expansion_dim={}, qk_dim={}, causal={}", u_proj.weight.size(1),
                     u_proj.weight.size(0), options_.qk_dim, options_.causal);
}

// ---- FLASH

FLASH::FLASH(std::int64_t d_model, const FLASHOptions& options)
    : u_proj(d_model, expanded_dim(d_model, options.expansion, "FLASH"),
             {.bias = options.bias, .dtype = options.dtype}),
      v_proj(d_model, expanded_dim(d_model, options.expansion, "FLASH"),
             {.bias = options.bias, .dtype = options.dtype}),
      z_proj(d_model, options.qk_dim, {.bias = options.bias, .dtype = options.dtype}),
      out_proj(expanded_dim(d_model, options.expansion, "FLASH"), d_model,
               {.bias = options.bias, .dtype = options.dtype}),
      options_(std::move(options)) {
  check(options_.chunk >= 1, "FLASH: chunk must be at least 1, got {}", options_.chunk);
  init_offset_scale(gamma, beta, 4, options_.qk_dim, options_.dtype);
  register_parameter("gamma", gamma);
  register_parameter("beta", beta);
  register_modules(
      {{"u_proj", u_proj}, {"v_proj", v_proj}, {"z_proj", z_proj}, {"out_proj", out_proj}});
}

Tensor FLASH::forward(const Tensor& x) {
  return call([&] {
    check_input(x, u_proj.weight.size(1), "FLASH");
    const std::int64_t B = x.size(0), T = x.size(1), c = options_.chunk;
    const std::int64_t G = (T + c - 1) / c, P = G * c, s = options_.qk_dim;
    const std::int64_t e = v_proj.weight.size(0);
    const Tensor u = silu(u_proj(x));  // (B, T, e)
    const Tensor z = silu(z_proj(x));  // (B, T, s)
    // Padding after the offset-scale, so padded keys are exactly zero (beta would not be).
    auto part = [&](std::int64_t r, std::int64_t width) {  // (B, T, w) -> (B, G, c, w)
      Tensor t = offset_scale(z, gamma, beta, r);
      if (options_.rotary) t = options_.rotary(t, 0);
      return reshape(pad_time(t, P), {B, G, c, width});
    };
    const Tensor quad_q = part(0, s), quad_k = part(1, s), lin_q = part(2, s), lin_k = part(3, s);
    const Tensor v = reshape(pad_time(silu(v_proj(x)), P), {B, G, c, e});
    // Local: relu^2 attention inside each chunk.
    const Tensor scores = relu(matmul(quad_q, transpose(quad_k, 2, 3)) / static_cast<double>(c));
    Tensor a = scores * scores;  // (B, G, c, c)
    if (options_.causal) a = tril(a);
    const Tensor local = matmul(a, v);  // (B, G, c, e)
    // Global: linear attention across chunks, no feature map, no row normalisation.
    Tensor global;
    if (!options_.causal) {
      const Tensor kv = sum(matmul(transpose(lin_k, 2, 3), v), {1}, true);  // (B, 1, s, e)
      global = matmul(lin_q, kv / static_cast<double>(T));
    } else {
      const Tensor kv = matmul(transpose(lin_k, 2, 3), v) / static_cast<double>(c);  // (B,G,s,e)
      global = matmul(lin_q, cumsum(kv, 1) - kv);  // chunks strictly before g
    }
    const Tensor mixed = slice(reshape(local + global, {B, P, e}), 1, 0, T);  // (B, T, e)
    return out_proj(u * mixed);                                               // (B, T, d)
  });
}

std::string FLASH::extra_repr() const {
  return fmt::format("d_model={}, expansion_dim={}, qk_dim={}, chunk={}, causal={}",
                     u_proj.weight.size(1), u_proj.weight.size(0), options_.qk_dim, options_.chunk,
                     options_.causal);
}

}  // namespace liandan::nn
