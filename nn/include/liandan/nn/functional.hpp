// nn::functional: the stateless form of every layer, as torch.nn.functional. Those that are
// differentiable ops of liandan/autograd/ops.hpp are the same functions under this name; the
// rest are composed of them here, so gradients of gradients work for all.
#pragma once

#include <optional>

#include "liandan/autograd/attention.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/autograd/tensor.hpp"
#include "liandan/core/random.hpp"

namespace liandan::nn::functional {

// The layers' functional forms that are autograd ops (F.relu, F.conv2d, F.layer_norm, ...).
using liandan::avg_pool2d;
using liandan::conv2d;
using liandan::conv_transpose2d;
using liandan::elu;
using liandan::embedding;
using liandan::flatten;
using liandan::gelu;
using liandan::layer_norm;
using liandan::leaky_relu;
using liandan::log_softmax;
using liandan::max_pool2d;
using liandan::relu;
using liandan::rope;
using liandan::scaled_dot_product_attention;
using liandan::sigmoid;
using liandan::silu;
using liandan::softmax;
using liandan::softplus;
using liandan::tanh;

// y = x W^T + b: x (..., in), weight (out, in), bias (out) or undefined -> (..., out).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

// Inverted dropout (torch.nn.functional.dropout): zeroes each element with probability p and
// scales the others by 1 / (1 - p), so the expectation is unchanged. The mask is drawn from
// gen; identity when !training or p == 0.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true,
               core::Generator& gen = core::default_generator());

// torch.nn.functional.batch_norm. x (N, C, ...); running_mean, running_var, weight, bias (C),
// each may be undefined. training: normalise with the batch's statistics over every dim but 1
// (biased variance) and, if the running buffers are given, update them in place without
// recording: running = (1 - momentum) running + momentum batch, with the unbiased variance.
// Otherwise normalise with the running statistics.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

// RMS normalisation over the trailing dims normalized_shape (torch.nn.functional.rms_norm):
// y = x rsqrt(mean(x^2) + eps) weight; weight (normalized_shape) or undefined. eps defaults to
// the machine epsilon of x's dtype, as PyTorch.
Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                std::optional<double> eps = std::nullopt);

}  // namespace liandan::nn::functional
