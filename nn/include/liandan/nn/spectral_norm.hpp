// Spectral normalisation (Miyato et al., "Spectral Normalization for GANs", ICLR 2018) as a
// parametrisation, as torch.nn.utils.parametrizations.spectral_norm: a layer computes with
// W / sigma(W), sigma the largest singular value of W estimated by power iteration.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "liandan/core/random.hpp"
#include "liandan/nn/module.hpp"

namespace liandan::nn {

struct SpectralNormOptions {
  std::string name = "weight";          // the parameter to normalise
  std::int64_t n_power_iterations = 1;  // per forward in training
  double eps = 1e-12;                   // floor of the norms in the power method
  // The output dim of the weight, made the rows of the matrix whose sigma is estimated; by
  // default 1 for ConvTranspose2d (weight (C_in, C_out / groups, kH, kW)), else 0.
  std::optional<std::int64_t> dim = std::nullopt;
  core::Generator* generator = nullptr;  // draws the initial u and v; null: the default one
};

namespace detail {
// Modules that only give the layer PyTorch's state_dict paths, "parametrizations.weight.*".
class ParametrizationDict : public Module {
 public:
  std::string type_name() const override { return "ModuleDict"; }
};
class ParametrizationList : public Module {
 public:
  std::string type_name() const override { return "ParametrizationList"; }
  Tensor original;  // the leaf the optimiser updates
};
}  // namespace detail

// Attaches itself to `layer` on construction; see Note [Spectral norm as a parametrisation].
// Lives as long as the layer, beside it (e.g. the next member of the model):
//
//   nn::Conv2d conv{3, 64, 4, {.stride = 2, .padding = 1}};
//   nn::SpectralNorm conv_sn{conv};   // conv(x) now computes with W / sigma(W)
class SpectralNorm : public Module {
 public:
  explicit SpectralNorm(Module& layer, const SpectralNormOptions& options = {});
  SpectralNorm(const SpectralNorm&) = delete;
  SpectralNorm& operator=(const SpectralNorm&) = delete;

  // W / sigma(W) for W = original (a 1-D W: W / max(|W|, eps)); in training, first runs
  // n_power_iterations steps of the power method on u and v (no grad).
  Tensor forward(const Tensor& original) override;
  // Sets the layer's weight to forward(original) and returns it; a forward pre-hook of the
  // layer calls it, so only a use of the weight outside layer(x) needs it.
  Tensor compute_weight();

  Tensor& original() { return list_.original; }  // (the weight's shape)
  std::int64_t dim() const { return dim_; }
  std::string type_name() const override { return "_SpectralNorm"; }

  Tensor u;  // (W.size(dim)), buffer "_u": estimate of the first left singular vector
  Tensor v;  // (numel / W.size(dim)), buffer "_v": of the first right singular vector

 private:
  Tensor matrix(const Tensor& weight) const;  // (W.size(dim), -1), dim moved first
  void power_method(const Tensor& weight_mat, std::int64_t iterations);

  std::int64_t dim_;  // validated first: nothing changes in the layer on an error
  std::int64_t n_power_iterations_;
  double eps_;
  Tensor& slot_;  // the layer's weight member, recomputed each forward
  detail::ParametrizationDict dict_;
  detail::ParametrizationList list_;
};

}  // namespace liandan::nn
