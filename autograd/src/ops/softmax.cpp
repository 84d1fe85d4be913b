// softmax and log_softmax along one dim; both save their output y.
//   softmax:     d/dx = y (g - sum_dim(g y))
//   log_softmax: d/dx = g - exp(y) sum_dim(g)
#include "liandan/core/softmax.hpp"
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct SoftmaxBackward final : Node {
  SoftmaxBackward(bool is_log, std::int64_t dim)
      : Node(is_log ? "LogSoftmaxBackward" : "SoftmaxBackward"), is_log(is_log), dim(dim) {}
  bool is_log;
  std::int64_t dim;
  SavedTensor y;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor yy = y.unpack(*this);
    if (is_log) return {g[0] - exp(yy) * sum(g[0], {dim}, true)};
    return {yy * (g[0] - sum(g[0] * yy, {dim}, true))};
  }
  void release_saved() override { y.reset(); }
};

Tensor softmax_impl(const Tensor& x, std::int64_t dim, bool is_log) {
  Tensor out =
      make_result(is_log ? core::log_softmax(x.data(), dim) : core::softmax(x.data(), dim));
  if (auto node = record<SoftmaxBackward>({x}, {out}, is_log, dim))
    node->y = SavedTensor(out, true);
  return out;
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t dim) {
  check_input(x, "softmax", "x");
  return softmax_impl(x, dim, false);
}
Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  check_input(x, "log_softmax", "x");
  return softmax_impl(x, dim, true);
}

}  // namespace liandan
