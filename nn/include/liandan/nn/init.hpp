// Parameter initialisation, in place and outside the graph, matching torch.nn.init.
#pragma once

#include <string>

#include "liandan/autograd/tensor.hpp"
#include "liandan/core/random.hpp"

namespace liandan::nn::init {

enum class FanMode { fan_in, fan_out };

// fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (as PyTorch).
std::pair<std::int64_t, std::int64_t> fans(const Tensor& t);
// The recommended gain of a nonlinearity: linear/sigmoid 1, tanh 5/3, relu sqrt(2),
// leaky_relu sqrt(2 / (1 + slope^2)), selu 3/4.
double calculate_gain(const std::string& nonlinearity, double param = 0.01);

void uniform_(const Tensor& t, double low, double high,
              core::Generator& gen = core::default_generator());
void normal_(const Tensor& t, double mean, double std,
             core::Generator& gen = core::default_generator());
void zeros_(const Tensor& t);
void ones_(const Tensor& t);
void xavier_uniform_(const Tensor& t, double gain = 1,
                     core::Generator& gen = core::default_generator());
void xavier_normal_(const Tensor& t, double gain = 1,
                    core::Generator& gen = core::default_generator());
// a: the negative slope of the following leaky_relu (PyTorch's Linear uses a = sqrt(5)).
void kaiming_uniform_(const Tensor& t, double a = 0, FanMode mode = FanMode::fan_in,
                      const std::string& nonlinearity = "leaky_relu",
                      core::Generator& gen = core::default_generator());
void kaiming_normal_(const Tensor& t, double a = 0, FanMode mode = FanMode::fan_in,
                     const std::string& nonlinearity = "leaky_relu",
                     core::Generator& gen = core::default_generator());

}  // namespace liandan::nn::init
