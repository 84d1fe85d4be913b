// The non-finite gradient check and gradient accumulation (optim/grad_tools.hpp).
#include "liandan/optim/grad_tools.hpp"

#include <cmath>

#include "liandan/autograd/ops.hpp"

namespace liandan::optim {

std::optional<std::string> first_nonfinite_grad(const NamedParameters& params) {
  for (const auto& [key, p] : params) {
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    const core::Tensor data = g.data().contiguous();
    std::optional<std::string> found;
    dispatch_floating(data.dtype(), "first_nonfinite_grad", [&]<typename T>() {
      const T* x = data.data<T>();
      for (std::int64_t i = 0; i < data.numel() && !found; ++i)
        if (!std::isfinite(x[i]))
          found = fmt::format("{} {}: {} at flat index {}", key, data.shape().str(),
                              std::isnan(x[i]) ? "nan"
                              : x[i] > 0       ? "inf"
                                               : "-inf",
                              i);
    });
    if (found) return found;
  }
  return std::nullopt;
}

void check_finite_grads(const NamedParameters& params) {
  if (const auto bad = first_nonfinite_grad(params)) throw Error("non-finite gradient in " + *bad);
}

GradientAccumulation::GradientAccumulation(Optimizer& optimizer, int micro_batches)
    : optimizer_(optimizer), micro_batches_(micro_batches) {
  check(micro_batches >= 1, "GradientAccumulation: micro_batches {} (must be >= 1)", micro_batches);
}

bool GradientAccumulation::backward(const Tensor& loss) {
  check(pending_ < micro_batches_,
        "GradientAccumulation: {} micro-batches are in, call step() before the next backward",
        pending_);
  (micro_batches_ == 1 ? loss : loss / double(micro_batches_)).backward();
  return ++pending_ == micro_batches_;
}

void GradientAccumulation::step() {
  check(pending_ == micro_batches_, "GradientAccumulation: step() after {} of {} micro-batches",
        pending_, micro_batches_);
  optimizer_.step();
  optimizer_.zero_grad();
  pending_ = 0;
}

}  // namespace liandan::optim
