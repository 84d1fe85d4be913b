// Linear attention: the functional form (non-causal, causal), the RNN state and the module.
#include "liandan/nn/linear_attention.hpp"

#include "liandan/autograd/ops.hpp"

namespace liandan::nn {

namespace feature_maps {
Tensor elu_plus_one(const Tensor& x) { return elu(x) + 1.0; }
Tensor relu(const Tensor& x) { return liandan::relu(x); }
Tensor identity(const Tensor& x) { return x; }
}  // namespace feature_maps

namespace {

Tensor phi(const LinearAttentionOptions& o, const Tensor& x) {
  return o.feature_map ? o.feature_map(x) : feature_maps::elu_plus_one(x);
}

}  // namespace

namespace functional {

Tensor linear_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                        const LinearAttentionOptions& o) {
  const char* op = "linear_attention";
  check(q.defined() && k.defined() && v.defined(), "{}: undefined tensor", op);
  check(q.dim() == 4 && k.dim() == 4 && v.dim() == 4,
        "{}: expected q (B, H, T_q, D), k (B, H, T_k, D), v (B, H, T_k, M), got {}, {}, {}", op,
        q.shape(), k.shape(), v.shape());
  const std::int64_t B = q.size(0), H = q.size(1), T_q = q.size(2), T_k = k.size(2);
  check(k.size(0) == B && k.size(1) == H && k.size(3) == q.size(3) && v.size(0) == B &&
            v.size(1) == H && v.size(2) == T_k,
        "{}: q {}, k {}, v {} do not fit (B, H, T_q, D), (B, H, T_k, D), (B, H, T_k, M)", op,
        q.shape(), k.shape(), v.shape());
  check(!o.causal || T_q == T_k, "{}: causal needs as many queries as keys, got q {} and k {}", op,
        q.shape(), k.shape());
  const Tensor phi_q = phi(o, q);  // (B, H, T_q, D)
  Tensor phi_k = phi(o, k);        // (B, H, T_k, D)
  if (o.mask.defined()) {
    const Tensor& mask = o.mask;
    check(mask.dtype() == DType::b8 && mask.dim() == 4 &&
              (mask.size(0) == 1 || mask.size(0) == B) &&
              (mask.size(1) == 1 || mask.size(1) == H) && mask.size(2) == 1 && mask.size(3) == T_k,
          "{}: mask must be a bool key mask broadcastable to (B, H, 1, T_k) = [{},{},1,{}], got "
          "{} {}",
          op, B, H, T_k, mask.dtype(), mask.shape());
    phi_k = phi_k * to(transpose(mask, 2, 3), phi_k.dtype());  // (B, H, T_k, D): 0 where masked
  }
  const std::int64_t M = v.size(3);
  if (!o.causal) {
    const Tensor num_q = o.rotary ? o.rotary(phi_q, 0) : phi_q;
    const Tensor num_k = o.rotary ? o.rotary(phi_k, 0) : phi_k;
    const Tensor kv = matmul(transpose(num_k, 2, 3), v);       // (B, H, D, M)
    const Tensor k_sum = sum(phi_k, {2}, true);                // (B, H, 1, D)
    const Tensor den = sum(phi_q * k_sum, {3}, true) + o.eps;  // (B, H, T_q, 1)
    return matmul(num_q, kv) / den;
  }
  const core::CausalDotProductOptions cdp{.chunk = o.chunk};
  if (!o.rotary) {
    // One sweep for both: the ones column of [v, 1] accumulates z_i = sum_{j<=i} phi(k_j).
    const Tensor v_one = cat({v, ones({B, H, T_k, 1}, {.dtype = v.dtype()})}, 3);
    const Tensor both = causal_dot_product(phi_q, phi_k, v_one, cdp);  // (B, H, T, M + 1)
    return slice(both, 3, 0, M) / (slice(both, 3, M, M + 1) + o.eps);
  }
  const Tensor num = causal_dot_product(o.rotary(phi_q, 0), o.rotary(phi_k, 0), v, cdp);
  const Tensor den =
      causal_dot_product(phi_q, phi_k, ones({B, H, T_k, 1}, {.dtype = v.dtype()}), cdp) + o.eps;
  return num / den;
}

}  // namespace functional

LinearAttentionState::LinearAttentionState(const LinearAttentionOptions& options)
    : options_(std::move(options)) {
  // A masked token is simply not stepped; a mask over the whole sequence has no meaning here.
  check(!options_.mask.defined(),
        "LinearAttentionState: a mask is not supported (skip masked tokens instead)");
}

Tensor LinearAttentionState::step(const Tensor& q_t, const Tensor& k_t, const Tensor& v_t) {
  const char* op = "LinearAttentionState::step";
  check(q_t.defined() && k_t.defined() && v_t.defined(), "{}: undefined tensor", op);
  check(q_t.dim() == 3 && q_t.shape() == k_t.shape() && v_t.dim() == 3 &&
            v_t.size(0) == q_t.size(0) && v_t.size(1) == q_t.size(1),
        "{}: expected q_t, k_t (B, H, D) and v_t (B, H, M), got {}, {}, {}", op, q_t.shape(),
        k_t.shape(), v_t.shape());
  const std::int64_t B = q_t.size(0), H = q_t.size(1), D = q_t.size(2), M = v_t.size(2);
  if (!S_.defined()) {
    S_ = zeros({B, H, D, M}, {.dtype = v_t.dtype()});
    z_ = zeros({B, H, D}, {.dtype = v_t.dtype()});
  }
  check(S_.shape() == Shape{B, H, D, M}, "{}: state is {} (B, H, D, M) but got q_t {}, v_t {}", op,
        S_.shape(), q_t.shape(), v_t.shape());
  const Tensor phi_q = unsqueeze(phi(options_, q_t), 2);  // (B, H, 1, D)
  const Tensor phi_k = unsqueeze(phi(options_, k_t), 2);  // (B, H, 1, D)
  const Tensor num_q = options_.rotary ? options_.rotary(phi_q, position_) : phi_q;
  const Tensor num_k = options_.rotary ? options_.rotary(phi_k, position_) : phi_k;
  S_ = S_ + matmul(transpose(num_k, 2, 3), unsqueeze(v_t, 2));  // += phi(k) v^T
  z_ = z_ + squeeze(phi_k, 2);
  ++position_;
  const Tensor num = squeeze(matmul(num_q, S_), 2);                          // (B, H, M)
  const Tensor den = sum(squeeze(phi_q, 2) * z_, {2}, true) + options_.eps;  // (B, H, 1)
  return num / den;
}

LinearAttention::LinearAttention(std::int64_t d_model, std::int64_t n_heads,
                                 const LinearAttentionModuleOptions& options)
    : q_proj(d_model, d_model, {.bias = options.bias, .dtype = options.dtype}),
      k_proj(d_model, d_model, {.bias = options.bias, .dtype = options.dtype}),
      v_proj(d_model, d_model, {.bias = options.bias, .dtype = options.dtype}),
      out_proj(d_model, d_model, {.bias = options.bias, .dtype = options.dtype}),
      d_model_(d_model),
      n_heads_(n_heads),
      options_(std::move(options)) {
  check(n_heads > 0 && d_model % n_heads == 0,
        "LinearAttention: d_model {} must be a positive multiple of n_heads {}", d_model, n_heads);
  register_modules(
      {{"q_proj", q_proj}, {"k_proj", k_proj}, {"v_proj", v_proj}, {"out_proj", out_proj}});
}

LinearAttentionOptions LinearAttention::attention_options(const Tensor& mask) const {
  return {.causal = options_.causal,
          .feature_map = options_.feature_map,
          .eps = options_.eps,
          .mask = mask,
          .rotary = options_.rotary};
}

Tensor LinearAttention::forward(const Tensor& x) { return forward(x, Tensor()); }

Tensor LinearAttention::forward(const Tensor& x, const Tensor& mask) {
  return call([&] {
    check(x.dim() == 3 && x.size(2) == d_model_,
          "LinearAttention: expected input (B, T, {}), got {}", d_model_, x.shape());
    const std::int64_t B = x.size(0), T = x.size(1), Dh = d_model_ / n_heads_;
    auto heads = [&](const Tensor& t) {  // (B, T, C) -> (B, H, T, Dh)
      return t.reshape({B, T, n_heads_, Dh}).transpose(1, 2);
    };
    const Tensor o = functional::linear_attention(heads(q_proj(x)), heads(k_proj(x)),
                                                  heads(v_proj(x)), attention_options(mask));
    return out_proj(o.transpose(1, 2).reshape({B, T, d_model_}));  // (B, T, C)
  });
}

LinearAttentionState LinearAttention::initial_state() const {
  check(options_.causal, "LinearAttention: step() needs a causal module");
  return LinearAttentionState(attention_options(Tensor()));
}

Tensor LinearAttention::step(LinearAttentionState& state, const Tensor& x_t) {
  return call([&] {
    check(options_.causal, "LinearAttention: step() needs a causal module");
    check(x_t.dim() == 2 && x_t.size(1) == d_model_,
          "LinearAttention: step expects one token (B, {}), got {}", d_model_, x_t.shape());
    const std::int64_t B = x_t.size(0), Dh = d_model_ / n_heads_;
    auto heads = [&](const Tensor& t) { return reshape(t, {B, n_heads_, Dh}); };
    const Tensor o = state.step(heads(q_proj(x_t)), heads(k_proj(x_t)), heads(v_proj(x_t)));
    return out_proj(reshape(o, {B, d_model_}));  // (B, C)
  });
}

std::string LinearAttention::extra_repr() const {
  return fmt::format("d_model={}, n_heads={}, causal={}, eps={}", d_model_, n_heads_,
                     options_.causal, options_.eps);
}

}  // namespace liandan::nn
