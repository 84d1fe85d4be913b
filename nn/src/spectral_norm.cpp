// SpectralNorm: the parametrisation W / sigma(W) and its power method.
#include "liandan/nn/spectral_norm.hpp"

#include <limits>

#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/nn/conv.hpp"

namespace liandan::nn {

// Note [Spectral norm as a parametrisation]
// torch.nn.utils.parametrizations.spectral_norm replaces the layer's parameter `weight` by a
// property computed from parametrizations.weight.original on every access. We keep the layer
// unchanged instead and rewrite its `weight` member before each forward:
//  - the member is unregistered as a parameter; the same leaf moves to
//    parametrizations.<name>.original (so an optimizer built earlier keeps updating it), and
//    u, v become parametrizations.<name>.0._u / _v: the layer's state_dict has PyTorch's keys;
//  - a forward pre-hook on the layer sets weight = original / sigma, a non-leaf, so the layer's
//    own forward reads it unchanged and the gradient reaches original, through sigma as well;
//  - sigma = u^T W_mat v with u, v constants (no gradient through the power method), as
//    PyTorch. u and v are updated in place (training only), then cloned into the graph: a second
//    forward before backward (D(real) - D(fake) in a GAN) would otherwise change tensors the
//    first one saved, which the engine's version check refuses.
// A wrapper module owning the layer would change both the state_dict paths and the layer's type
// as its parent sees it. The price of this design: the layer holds this object as a child and
// in its hook, so the SpectralNorm must live as long as the layer is used (a member of the same
// model, declared after it), and the weight is refreshed by layer(x), not by other calls.

namespace {

// Validates the options against the layer before anything changes; returns the weight's dim.
std::int64_t checked_dim(Module& layer, const SpectralNormOptions& o) {
  check(o.n_power_iterations > 0, "SpectralNorm: n_power_iterations must be positive, got {}",
        o.n_power_iterations);
  for (const auto& [name, child] : layer.named_children())
    check(name != "parametrizations",
          "SpectralNorm: {} already has parametrizations (one SpectralNorm per layer)",
          layer.type_name());
  Tensor weight;
  for (const auto& [name, p] : layer.named_parameters(false))
    if (name == o.name) weight = p;
  check(weight.defined(), "SpectralNorm: {} has no parameter '{}'", layer.type_name(), o.name);
  const std::int64_t dim =
      o.dim.value_or(dynamic_cast<const ConvTranspose2d*>(&layer) != nullptr ? 1 : 0);
  const std::int64_t ndim = weight.dim();
  check(dim >= -ndim && dim < ndim, "SpectralNorm: dim {} out of range for '{}' of shape {}", dim,
        o.name, weight.shape());
  return dim < 0 ? dim + ndim : dim;
}

// x / max(|x|, eps) of a vector, as F.normalize.
Tensor normalize(const Tensor& x, double eps) {
  return x / clamp(norm(x), eps, std::numeric_limits<double>::infinity());
}

}  // namespace

SpectralNorm::SpectralNorm(Module& layer, const SpectralNormOptions& options)
    : dim_(checked_dim(layer, options)),
      n_power_iterations_(options.n_power_iterations),
      eps_(options.eps),
      slot_(layer.unregister_parameter(options.name)) {
  list_.original = slot_;
  train(layer.is_training());
  layer.register_module("parametrizations", dict_);
  dict_.register_module(options.name, list_);
  list_.register_parameter("original", list_.original);
  list_.register_module("0", *this);
  if (original().dim() > 1) {
    const Tensor mat = matrix(original().detach());  // (h, w)
    core::Generator& gen = options.generator ? *options.generator : core::default_generator();
    NoGradGuard no_grad;
    u = normalize(Tensor(core::normal({mat.size(0)}, 0, 1, mat.dtype(), gen)), eps_);
    v = normalize(Tensor(core::normal({mat.size(1)}, 0, 1, mat.dtype(), gen)), eps_);
    register_buffer("_u", u);
    register_buffer("_v", v);
    power_method(mat, 15);  // start from reasonable values, as PyTorch
  }
  {
    NoGradGuard no_grad;  // PyTorch evaluates the parametrisation once on registration
    slot_ = forward(original());
  }
  layer.register_forward_pre_hook([this](Module&, const Tensor&) {
    compute_weight();
    return Tensor();  // the input unchanged
  });
}

Tensor SpectralNorm::matrix(const Tensor& weight) const {
  if (dim_ == 0) return flatten(weight, 1);
  Dims order{dim_};
  for (std::int64_t d = 0; d < weight.dim(); ++d)
    if (d != dim_) order.push_back(d);
  return flatten(permute(weight, order), 1);
}

// u = normalize(W v), v = normalize(W^T u), in place and outside the graph.
void SpectralNorm::power_method(const Tensor& weight_mat, std::int64_t iterations) {
  NoGradGuard no_grad;
  const Tensor w = weight_mat.detach();  // (h, w)
  for (std::int64_t i = 0; i < iterations; ++i) {
    u.data().copy_(normalize(matmul(w, v), eps_).data());
    v.data().copy_(normalize(matmul(transpose(w, 0, 1), u), eps_).data());
  }
}

Tensor SpectralNorm::forward(const Tensor& original) {
  if (original.dim() == 1) return normalize(original, eps_);  // sigma is exactly |W|
  const Tensor mat = matrix(original);                        // (h, w)
  if (is_training()) power_method(mat, n_power_iterations_);
  const Tensor u_now(u.data().clone()), v_now(v.data().clone());  // constants, see the Note
  const Tensor sigma = sum(u_now * matmul(mat, v_now));           // u^T W v
  return original / sigma;
}

Tensor SpectralNorm::compute_weight() {
  slot_ = forward(original());
  return slot_;
}

}  // namespace liandan::nn
