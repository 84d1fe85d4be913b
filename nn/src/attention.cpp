// nn::MultiHeadAttention: projections, head split, RoPE, fused attention, head merge.
#include "liandan/nn/attention.hpp"

#include "liandan/autograd/ops.hpp"

namespace liandan::nn {

MultiHeadAttention::MultiHeadAttention(std::int64_t d_model, std::int64_t n_heads,
                                       const MultiHeadAttentionOptions& options)
    : q_proj(d_model, d_model, {.bias = options.bias, .dtype = options.dtype}),
      k_proj(d_model, d_model, {.bias = options.bias, .dtype = options.dtype}),
      v_proj(d_model, d_model, {.bias = options.bias, .dtype = options.dtype}),
      out_proj(d_model, d_model, {.bias = options.bias, .dtype = options.dtype}),
      d_model_(d_model),
      n_heads_(n_heads),
      options_(options) {
  check(n_heads > 0 && d_model % n_heads == 0,
        "MultiHeadAttention: d_model {} is not divisible by n_heads {}", d_model, n_heads);
  register_modules(
      {{"q_proj", q_proj}, {"k_proj", k_proj}, {"v_proj", v_proj}, {"out_proj", out_proj}});
  if (options.rope != RopeKind::none)
    rotary_.emplace(d_model / n_heads,
                    RotaryEmbeddingOptions{.kind = options.rope,
                                           .base = options.rope_base,
                                           .grid_width = options.rope_grid_width});
}

Tensor MultiHeadAttention::split_heads(const Tensor& x) const {
  return x.view({x.size(0), x.size(1), n_heads_, d_model_ / n_heads_}).transpose(1, 2);
}

Tensor MultiHeadAttention::attend(const Tensor& x, const Tensor& kv, const AttentionCall& call,
                                  KVCache* cache) {
  for (const Tensor* t : {&x, &kv})
    check(t->dim() == 3 && t->size(2) == d_model_,
          "MultiHeadAttention: input {} must be (B, T, d_model = {})", t->shape(), d_model_);
  check(x.size(0) == kv.size(0), "MultiHeadAttention: queries {} and keys {} differ in batch",
        x.shape(), kv.shape());
  const std::int64_t B = x.size(0), T = x.size(1), offset = cache ? cache->length() : 0;
  Tensor q = split_heads(q_proj(x)), k = split_heads(k_proj(kv)), v = split_heads(v_proj(kv));
  if (rotary_) {
    const bool self = &x == &kv;
    q = call.positions.defined() ? rotary_->forward_at(q, call.positions)
                                 : rotary_->forward(q, offset);
    const Tensor& kpos = call.key_positions.defined() ? call.key_positions
                         : self                       ? call.positions
                                                      : Tensor();
    k = kpos.defined() ? rotary_->forward_at(k, kpos) : rotary_->forward(k, offset);
  }
  if (cache) {
    if (cache->k.defined()) {
      check(cache->k.size(0) == B, "MultiHeadAttention: cache batch {} vs input batch {}",
            cache->k.size(0), B);
      k = cat({cache->k, k}, 2), v = cat({cache->v, v}, 2);
    } else {
      k = contiguous(k), v = contiguous(v);
    }
    cache->k = k, cache->v = v;
  }
  const Tensor y = scaled_dot_product_attention(
      q, k, v, {.mask = call.mask, .causal = call.causal.value_or(options_.causal)});
  return out_proj(y.transpose(1, 2).reshape({B, T, d_model_}));  // (B, T, C)
}

Tensor MultiHeadAttention::forward(const Tensor& x, const AttentionCall& call) {
  return this->call([&] { return attend(x, x, call, nullptr); });
}

Tensor MultiHeadAttention::forward(const Tensor& x, const Tensor& kv, const AttentionCall& call) {
  return this->call([&] { return attend(x, kv, call, nullptr); });
}

Tensor MultiHeadAttention::forward(const Tensor& x, KVCache& cache, const AttentionCall& call) {
  return this->call([&] { return attend(x, x, call, &cache); });
}

std::string MultiHeadAttention::extra_repr() const {
  const char* rope = options_.rope == RopeKind::none      ? "none"
                     : options_.rope == RopeKind::rope_1d ? "1d"
                                                          : "2d";
  return fmt::format("d_model={}, n_heads={}, bias={}, causal={}, rope={}", d_model_, n_heads_,
                     options_.bias, options_.causal, rope);
}

}  // namespace liandan::nn
