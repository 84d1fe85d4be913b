// torch.nn.init's formulas; every fill runs without recording and bumps the version.
#include "liandan/nn/init.hpp"

#include <cmath>

namespace liandan::nn::init {

std::pair<std::int64_t, std::int64_t> fans(const Tensor& t) {
  check(t.dim() >= 2, "init: fan in/out need at least 2 dims, got shape {}", t.shape());
  std::int64_t receptive = 1;
  for (int i = 2; i < t.dim(); ++i) receptive *= t.size(i);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

double calculate_gain(const std::string& nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" || nonlinearity.starts_with("conv"))
    return 1;
  if (nonlinearity == "tanh") return 5.0 / 3;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1 + param * param));
  if (nonlinearity == "selu") return 0.75;
  throw Error(fmt::format("calculate_gain: unknown nonlinearity '{}'", nonlinearity));
}

void uniform_(const Tensor& t, double low, double high, core::Generator& gen) {
  t.data().copy_(core::uniform(t.shape(), low, high, t.dtype(), gen));
}

void normal_(const Tensor& t, double mean, double std, core::Generator& gen) {
  t.data().copy_(core::normal(t.shape(), mean, std, t.dtype(), gen));
}

void zeros_(const Tensor& t) { t.data().fill_(0); }
void ones_(const Tensor& t) { t.data().fill_(1); }

void xavier_uniform_(const Tensor& t, double gain, core::Generator& gen) {
  const auto [fan_in, fan_out] = fans(t);
  const double bound = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  uniform_(t, -bound, bound, gen);
}

void xavier_normal_(const Tensor& t, double gain, core::Generator& gen) {
  const auto [fan_in, fan_out] = fans(t);
  normal_(t, 0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)), gen);
}

namespace {
double kaiming_std(const Tensor& t, double a, FanMode mode, const std::string& nonlinearity) {
  const auto [fan_in, fan_out] = fans(t);
  const auto fan = static_cast<double>(mode == FanMode::fan_in ? fan_in : fan_out);
  return calculate_gain(nonlinearity, a) / std::sqrt(fan);
}
}  // namespace

void kaiming_uniform_(const Tensor& t, double a, FanMode mode, const std::string& nonlinearity,
                      core::Generator& gen) {
  const double bound = std::sqrt(3.0) * kaiming_std(t, a, mode, nonlinearity);
  uniform_(t, -bound, bound, gen);
}

void kaiming_normal_(const Tensor& t, double a, FanMode mode, const std::string& nonlinearity,
                     core::Generator& gen) {
  normal_(t, 0, kaiming_std(t, a, mode, nonlinearity), gen);
}

}  // namespace liandan::nn::init
