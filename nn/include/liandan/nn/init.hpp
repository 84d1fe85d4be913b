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
void constant_(const Tensor& t, double value);
void zeros_(const Tensor& t);
void ones_(const Tensor& t);
// The identity matrix in a 2-D tensor: ones on the main diagonal, also when not square.
void eye_(const Tensor& t);
// Normal(mean, std) truncated to [a, b]: the inverse normal CDF of a uniform draw in
// [cdf(a), cdf(b)], computed in double and clamped to [a, b] (as torch.nn.init.trunc_normal_).
// Precise while [a, b] holds real mass; PyTorch warns when mean is over 2 std outside it.
void trunc_normal_(const Tensor& t, double mean = 0, double std = 1, double a = -2, double b = 2,
                   core::Generator& gen = core::default_generator());
// A (semi-)orthogonal matrix times gain: t seen as (size(0), numel / size(0)) gets orthonormal
// rows or columns, whichever are fewer; it is the Q of a normal matrix's QR with diag(R) > 0 (as
// torch.nn.init.orthogonal_).
void orthogonal_(const Tensor& t, double gain = 1,
                 core::Generator& gen = core::default_generator());
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

// The inverse of std::erf on [-1, 1] to double precision (+-inf at +-1, NaN outside): Giles'
// single-precision approximation refined by Newton steps (used by trunc_normal_).
double erfinv(double y);

}  // namespace liandan::nn::init
